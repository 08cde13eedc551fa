"""detectron2 as the oracle for maskserve's converter (tests and bench only; never at run time).

Run with Debian's Python and the PYTHONPATH that ../shared/reference/setup-detectron2.sh prints:

  make     build a seeded random-weight Mask R-CNN with detectron2, rescaled so activations stay of
           order 1 and the outputs are diverse, and save it in both checkpoint forms (zoo .pkl and a
           training-style .pth written by DetectionCheckpointer) with its config.yaml
  predict  run detectron2's DefaultPredictor on raw RGB images (the exact pixels maskserve decoded)
           and write the instances as JSON with COCO RLE masks; --repeat times it
  pil-resize  Pillow's BILINEAR resize of raw RGB images (what detectron2's ResizeTransform does)
  train    fine-tune a made checkpoint (backbone frozen) to find drawn shapes (disc, square,
           triangle), so its outputs are as stable as a trained model's: random heads flip their
           decisions at the slightest change of input, which no int8 comparison can survive
  shapes   draw shape images (the train command's generator, another seed) over given photos
"""
import argparse
import json
import os
import pickle
import sys
import time

import numpy as np
import torch

torch.set_num_threads(int(os.environ.get("REFERENCE_THREADS", "2")))

from detectron2.checkpoint import DetectionCheckpointer  # noqa: E402
from detectron2.config import get_cfg  # noqa: E402
from detectron2.engine import DefaultPredictor  # noqa: E402
from detectron2.layers import FrozenBatchNorm2d  # noqa: E402
from detectron2.modeling import build_model  # noqa: E402
import pycocotools.mask as mask_util  # noqa: E402

ARCHS = {
    # depth, groups, width per group, stride in 1x1, pixel std (the zoo's configs)
    "r50": dict(DEPTH=50, NUM_GROUPS=1, WIDTH_PER_GROUP=64, STRIDE_IN_1X1=True, PIXEL_STD=[1.0, 1.0, 1.0]),
    "r101": dict(DEPTH=101, NUM_GROUPS=1, WIDTH_PER_GROUP=64, STRIDE_IN_1X1=True, PIXEL_STD=[1.0, 1.0, 1.0]),
    "x101": dict(DEPTH=101, NUM_GROUPS=32, WIDTH_PER_GROUP=8, STRIDE_IN_1X1=False, PIXEL_STD=[57.375, 57.120, 58.395]),
}

# detectron2's configs/Base-RCNN-FPN.yaml (the parts that matter here); shared with the config
# reader's unit test (test/convert/config.test.ts).
BASE_YAML_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Base-RCNN-FPN.yaml")


def child_yaml(arch, classes, min_size, input_format):
    a = ARCHS[arch]
    lines = [
        '_BASE_: "base/Base-RCNN-FPN.yaml"',
        "MODEL:",
        "  MASK_ON: True",
        f"  PIXEL_STD: {a['PIXEL_STD']}",
        "  RESNETS:",
        f"    DEPTH: {a['DEPTH']}",
        f"    NUM_GROUPS: {a['NUM_GROUPS']}",
        f"    WIDTH_PER_GROUP: {a['WIDTH_PER_GROUP']}",
        f"    STRIDE_IN_1X1: {a['STRIDE_IN_1X1']}",
        "  ROI_HEADS:",
        f"    NUM_CLASSES: {classes}",
        "INPUT:",
        f"  MIN_SIZE_TEST: {min_size}",
        f'  FORMAT: "{input_format}"',
    ]
    if input_format == "RGB":
        lines.insert(3, "  PIXEL_MEAN: [123.675, 116.28, 103.53]")
    return "\n".join(lines) + "\n"


def load_cfg(path):
    cfg = get_cfg()
    cfg.merge_from_file(path)
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.WEIGHTS = ""
    return cfg


def read_rgb(path, width, height):
    data = np.fromfile(path, dtype=np.uint8)
    return data.reshape(height, width, 3)


def calibration_image(path):
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].copy()  # BGR like cv2.imread


@torch.no_grad()
def rescale(model, cfg, image_bgr, seed, residual_gain):
    """Data-dependent init on one photo: every FrozenBN is set from its input's statistics and gets a
    random affine, every other conv/linear is rescaled to unit output std, then the predictors get
    the spread that makes scores, boxes and masks diverse. The last BN of each residual branch is
    scaled by `residual_gain`: at 1 the random network is chaotic (1 % input noise changes the FPN
    features by ~65 %), at ~0.2 it is as stable as a trained one (what int8 accuracy tests need)."""
    gen = torch.Generator().manual_seed(seed)
    targets = {
        "proposal_generator.rpn_head.objectness_logits": 3.0,
        "proposal_generator.rpn_head.anchor_deltas": 0.25,
        "roi_heads.box_predictor.cls_score": 3.5,
        "roi_heads.box_predictor.bbox_pred": 1.0,
        "roi_heads.mask_head.predictor": 3.0,
    }
    hooks = []
    done = set()
    for name, module in model.named_modules():
        if isinstance(module, FrozenBatchNorm2d):
            def bn_pre(mod, inputs, name=name):
                if name in done:
                    return
                done.add(name)
                x = inputs[0]
                mod.running_mean.copy_(x.mean(dim=(0, 2, 3)))
                mod.running_var.copy_(x.var(dim=(0, 2, 3)) + 1e-3)
                n = mod.weight.shape[0]
                mod.weight.copy_(0.6 + 0.8 * torch.rand(n, generator=gen))
                mod.bias.copy_(0.3 * torch.randn(n, generator=gen))
                if name.endswith("conv3.norm"):
                    mod.weight.mul_(residual_gain)
                    mod.bias.mul_(residual_gain)

            hooks.append(module.register_forward_pre_hook(bn_pre))
        elif isinstance(module, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.ConvTranspose2d)) and getattr(module, "norm", None) is None:
            if module.bias is None:
                continue

            def unit(mod, inputs, output, name=name):
                if name in done:
                    return output
                done.add(name)
                if output.numel() < 2:
                    return output
                target = targets.get(name, 1.0)
                std = float(output.std()) or 1.0
                factor = target / std
                # detectron2's Conv2d may apply its ReLU inside: then only scale (relu(a*y) = a*relu(y)).
                if getattr(mod, "activation", None) is not None:
                    mean = torch.zeros(output.shape[1])
                else:
                    mean = output.mean(dim=tuple(i for i in range(output.dim()) if i != 1))
                mod.weight.mul_(factor)
                mod.bias.sub_(mean).mul_(factor)
                shape = [1] * output.dim()
                shape[1] = -1
                return (output - mean.view(shape)) * factor

            hooks.append(module.register_forward_hook(unit))
    model.eval()
    h, w = image_bgr.shape[:2]
    predictor_input = torch.as_tensor(image_bgr.astype("float32").transpose(2, 0, 1))
    if cfg.INPUT.FORMAT == "RGB":
        predictor_input = predictor_input.flip(0)
    model([{"image": predictor_input, "height": h, "width": w}])
    for hook in hooks:
        hook.remove()


def cmd_make(args):
    os.makedirs(os.path.join(args.out_dir, "base"), exist_ok=True)
    base = os.path.join(args.out_dir, "base", "Base-RCNN-FPN.yaml")
    with open(base, "w") as f:
        with open(BASE_YAML_PATH) as src:
            f.write(src.read())
    child = os.path.join(args.out_dir, "config-base.yaml")
    with open(child, "w") as f:
        f.write(child_yaml(args.arch, args.classes, args.min_size, args.format))
    cfg = load_cfg(child)
    with open(os.path.join(args.out_dir, "config.yaml"), "w") as f:
        f.write(cfg.dump())
    torch.manual_seed(args.seed)
    model = build_model(cfg)
    rescale(model, cfg, calibration_image(args.calibration), args.seed, args.residual_gain)
    state = model.state_dict()
    # Training output: DetectionCheckpointer with optimizer + scheduler state, like DefaultTrainer.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 20])
    checkpointer = DetectionCheckpointer(model, args.out_dir, optimizer=optimizer, scheduler=scheduler)
    checkpointer.save("model_final", iteration=args.iterations)
    # Model zoo form: pickle of numpy arrays.
    zoo = {"model": {k: v.detach().cpu().numpy() for k, v in state.items()}, "__author__": "maskserve parity test"}
    with open(os.path.join(args.out_dir, "model_final.pkl"), "wb") as f:
        pickle.dump(zoo, f, protocol=args.pickle_protocol)
    print(json.dumps({"config": child, "dump": os.path.join(args.out_dir, "config.yaml"), "tensors": len(state)}))


def instances_json(outputs):
    inst = outputs["instances"].to("cpu")
    boxes = inst.pred_boxes.tensor.numpy().tolist()
    scores = inst.scores.numpy().tolist()
    classes = inst.pred_classes.numpy().tolist()
    masks = inst.pred_masks.numpy().astype(np.uint8)
    result = []
    for i in range(len(scores)):
        rle = mask_util.encode(np.asfortranarray(masks[i]))
        result.append({"box": boxes[i], "score": scores[i], "classId": classes[i], "mask": {"size": rle["size"], "counts": rle["counts"].decode("ascii")}})
    return result


def cmd_predict(args):
    cfg = load_cfg(args.config)
    cfg.MODEL.WEIGHTS = args.weights
    predictor = DefaultPredictor(cfg)
    images = json.loads(open(args.images).read())
    out = []
    for image in images:
        rgb = read_rgb(image["path"], image["width"], image["height"])
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        times = []
        outputs = None
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            outputs = predictor(bgr)
            times.append((time.perf_counter() - start) * 1000)
        out.append({"path": image["path"], "instances": instances_json(outputs), "timesMs": times})
    json.dump(out, sys.stdout)


SHAPE_CLASSES = ["disc", "square", "triangle"]


def draw_shapes(rng, background, count):
    """Draws `count` shapes on a PIL RGB image; returns (image, [(class, mask bool HxW)]) with visible masks."""
    from PIL import Image, ImageDraw

    w, h = background.size
    image = background.copy()
    shapes = []
    for _ in range(count):
        cls = int(rng.integers(len(SHAPE_CLASSES)))
        size = float(rng.uniform(0.12, 0.4)) * min(w, h)
        cx, cy = rng.uniform(size / 2, w - size / 2), rng.uniform(size / 2, h - size / 2)
        angle = float(rng.uniform(0, 2 * np.pi))
        layer = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(layer)
        r = size / 2
        if cls == 0:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
        else:
            corners = 4 if cls == 1 else 3
            points = [(cx + r * np.cos(angle + 2 * np.pi * k / corners), cy + r * np.sin(angle + 2 * np.pi * k / corners)) for k in range(corners)]
            draw.polygon(points, fill=255)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        image.paste(Image.new("RGB", (w, h), colour), (0, 0), layer)
        mask = np.asarray(layer) > 127
        shapes = [(c, m & ~mask) for c, m in shapes]
        shapes.append((cls, mask))
    return image, [(c, m) for c, m in shapes if m.sum() > 64]


def synthetic_background(rng, w, h):
    from PIL import Image

    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = np.linspace(0, 1, w)[None, :, None] if rng.random() < 0.5 else np.linspace(0, 1, h)[:, None, None]
    pixels = a[None, None, :] * (1 - t) + b[None, None, :] * t + rng.normal(0, 12, (h, w, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def cmd_train(args):
    from detectron2.structures import BitMasks, Instances
    from detectron2.utils.events import EventStorage

    cfg = load_cfg(args.config)
    cfg.MODEL.WEIGHTS = args.weights
    # Fewer sampled anchors and RoIs than detectron2's defaults: 2 CPU cores, small images.
    cfg.MODEL.RPN.BATCH_SIZE_PER_IMAGE = 128
    cfg.MODEL.RPN.POST_NMS_TOPK_TRAIN = 300
    cfg.MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE = 128
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_model(cfg)
    DetectionCheckpointer(model).load(args.weights)
    for p in model.backbone.bottom_up.parameters():
        p.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=1e-4)
    model.train()
    start = time.perf_counter()
    storage = EventStorage(0).__enter__()  # the losses log into it
    for it in range(args.iterations):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * min(1.0, (it + 1) / 20) * (0.1 if it >= 0.8 * args.iterations else 1.0)
        batch = []
        for _ in range(2):
            image, shapes = draw_shapes(rng, synthetic_background(rng, args.size, args.size), int(rng.integers(1, 5)))
            bgr = np.asarray(image)[:, :, ::-1].astype("float32")
            if cfg.INPUT.FORMAT == "RGB":
                bgr = bgr[:, :, ::-1]
            inst = Instances((args.size, args.size))
            masks = torch.as_tensor(np.stack([m for _, m in shapes])) if shapes else torch.zeros((0, args.size, args.size), dtype=torch.bool)
            inst.gt_masks = BitMasks(masks)
            inst.gt_boxes = inst.gt_masks.get_bounding_boxes()
            inst.gt_classes = torch.as_tensor([c for c, _ in shapes], dtype=torch.int64)
            batch.append({"image": torch.as_tensor(np.ascontiguousarray(bgr.transpose(2, 0, 1))), "instances": inst})
        losses = model(batch)
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()
        storage.iter = it + 1
        if it % 10 == 0 or it == args.iterations - 1:
            print(f"iter {it} loss {float(loss):.3f} {time.perf_counter() - start:.0f}s", file=sys.stderr)
    model.eval()
    DetectionCheckpointer(model, args.out_dir).save("model_final", iteration=args.iterations)
    zoo = {"model": {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}, "__author__": "maskserve int8 test"}
    with open(os.path.join(args.out_dir, "model_final.pkl"), "wb") as f:
        pickle.dump(zoo, f, protocol=4)
    print(json.dumps({"seconds": time.perf_counter() - start, "loss": float(loss)}))


def cmd_shapes(args):
    """Shape images for tests: over each given photo (or a synthetic background) with a seed of their own."""
    from PIL import Image

    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    photos = args.photos or []
    for i in range(args.count):
        if photos:
            background = Image.open(photos[i % len(photos)]).convert("RGB")
            scale = args.size / min(background.size)
            background = background.resize((round(background.size[0] * scale), round(background.size[1] * scale)), Image.BILINEAR)
        else:
            background = synthetic_background(rng, args.size, args.size)
        image, _ = draw_shapes(rng, background, int(rng.integers(1, 5)))
        image.save(os.path.join(args.out_dir, f"shapes_{i:03d}.jpg"), quality=92)


def cmd_pil_resize(args):
    """Resizes raw RGB files with Pillow's BILINEAR (as detectron2 does) and writes the results."""
    from PIL import Image

    jobs = json.loads(open(args.jobs).read())
    for job in jobs:
        rgb = read_rgb(job["path"], job["width"], job["height"])
        out = np.asarray(Image.fromarray(rgb).resize((job["outWidth"], job["outHeight"]), Image.BILINEAR))
        out.astype(np.uint8).tofile(job["out"])


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make")
    make.add_argument("--arch", choices=sorted(ARCHS), required=True)
    make.add_argument("--classes", type=int, default=80)
    make.add_argument("--seed", type=int, default=1)
    make.add_argument("--min-size", type=int, default=800)
    make.add_argument("--format", choices=["BGR", "RGB"], default="BGR")
    make.add_argument("--iterations", type=int, default=1234)
    make.add_argument("--pickle-protocol", type=int, default=pickle.DEFAULT_PROTOCOL)
    make.add_argument("--calibration", required=True)
    make.add_argument("--residual-gain", type=float, default=1.0)
    make.add_argument("--out-dir", required=True)
    predict = sub.add_parser("predict")
    predict.add_argument("--config", required=True)
    predict.add_argument("--weights", required=True)
    predict.add_argument("--images", required=True, help="JSON list of {path, width, height} raw RGB files")
    predict.add_argument("--repeat", type=int, default=1)
    resize = sub.add_parser("pil-resize")
    resize.add_argument("--jobs", required=True, help="JSON list of {path, width, height, outWidth, outHeight, out}")
    train = sub.add_parser("train")
    train.add_argument("--config", required=True)
    train.add_argument("--weights", required=True)
    train.add_argument("--out-dir", required=True)
    train.add_argument("--iterations", type=int, default=300)
    train.add_argument("--size", type=int, default=384)
    train.add_argument("--lr", type=float, default=0.005)
    train.add_argument("--seed", type=int, default=7)
    shapes = sub.add_parser("shapes")
    shapes.add_argument("--out-dir", required=True)
    shapes.add_argument("--count", type=int, default=16)
    shapes.add_argument("--size", type=int, default=480)
    shapes.add_argument("--seed", type=int, default=11)
    shapes.add_argument("--photos", nargs="*")
    args = parser.parse_args()
    {"make": cmd_make, "predict": cmd_predict, "pil-resize": cmd_pil_resize, "train": cmd_train, "shapes": cmd_shapes}[args.command](args)


if __name__ == "__main__":
    main()
