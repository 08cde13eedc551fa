"""Train the demo Mask R-CNN from scratch on on-the-fly synthetic shapes (CPU).

    OMP_WAIT_POLICY=PASSIVE nohup /usr/bin/python3 tools/demo-model/train.py --seed 2718 --lr 1e-3 \
        --minutes 57 --sizes 256 320 384 448 --eval-minutes 15 --eval-limit 40 \
        --out tools/demo-model/runs/single > tools/demo-model/runs/single.log 2>&1 &

(the shipped demo model's run; the defaults match it except --seed, --minutes and the evals).

The learning-rate schedule (linear warm-up, cosine decay) runs on *progress*,
which is iteration/--iters or, with --minutes, elapsed/--minutes, whichever is
further along: on a shared CPU the wall-clock budget is what is fixed, and a
cosine that never reaches its tail leaves a worse model.  The data stream is a
pure function of --seed, so `--iters N` (N from the log) replays a time-boxed
run's data exactly and its schedule approximately (wall-clock progress is not
linear in iterations on a shared machine).  The periodic held-out evals use the EMA weights
(smoother mid-run); the final eval and the export use the final weights (see evaluate.WEIGHTS).
"""
import argparse
import copy
import json
import math
import os
import time

import numpy as np
import torch
from PIL import Image
from torchvision.models.detection._utils import BalancedPositiveNegativeSampler

import synth
from distill import NearShapeDistiller
from evaluate import evaluate
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE, ZooGraph, build_model

# Per-batch width/height: shapes are 8-55 % of the short side, so these sizes show them at the
# pixel sizes the deployed resize (short side DEPLOY_MIN_SIZE) produces, small ones included.
TRAIN_SIZES = (256, 320, 384, 448)


class HardNegativeSampler(BalancedPositiveNegativeSampler):
    """The box head's RoI sampler, with part of the background RoIs taken hardest-first.

    The RPN hands proposals over sorted by objectness (its NMS keeps descending order; ground
    truth boxes are appended after them).  The false alarms on real photos come from the top
    few: measured on 5 photos, 20 of 21 detections >= 0.5 sat in the first 12 of 200.  A random
    sample of 96 of ~300 meets each of them a third of the time, so the classifier rarely learns
    to reject them.  Here `hard_fraction` of each image's background RoIs are the first ones in
    proposal order; the rest stay a random sample.
    """

    def __init__(self, batch_size_per_image, positive_fraction, hard_fraction):
        super().__init__(batch_size_per_image, positive_fraction)
        self.hard_fraction = hard_fraction

    def __call__(self, matched_idxs):
        positives, negatives = super().__call__(matched_idxs)
        for labels, neg_mask in zip(matched_idxs, negatives):
            chosen = int(neg_mask.sum())
            hard = round(chosen * self.hard_fraction)
            if hard == 0:
                continue
            background = torch.where(labels == 0)[0]          # in proposal (objectness) order
            first, rest = background[:hard], background[hard:]
            neg_mask.zero_()
            neg_mask[first] = 1
            neg_mask[rest[torch.randperm(rest.numel(), device=rest.device)[:chosen - first.numel()]]] = 1
        return positives, negatives


class ShapesBatches(torch.utils.data.Dataset):
    """Item b = a whole batch of one random size, so no compute is spent on padding."""

    def __init__(self, seed, batch, photos, sizes=TRAIN_SIZES, negatives=0.0,
                 sample_options=None, negative_options=None):
        self.seed, self.batch, self.photos, self.sizes = seed, batch, photos, sizes
        self.negatives = negatives
        self.sample_options = sample_options or {}       # make_sample's keyword arguments
        self.negative_options = negative_options or {}   # make_negative's keyword arguments

    def __len__(self):
        return 10 ** 7

    def __getitem__(self, b):
        rng = np.random.default_rng([self.seed, b, 7])
        w, h = (int(v) for v in rng.choice(self.sizes, 2))
        images, targets = [], []
        for k in range(self.batch):
            index = b * self.batch + k
            # a photo with nothing to find: empty target (no draw at 0, so older runs replay exactly)
            if self.negatives > 0 and rng.random() < self.negatives:
                rgb, inst = synth.make_negative(self.seed, index, w, h, self.photos,
                                                 **self.negative_options), []
            else:
                rgb, inst = synth.make_sample(self.seed, index, w, h, self.photos,
                                              **self.sample_options)
            if rng.random() < 0.5:  # the held-out set and user uploads are JPEGs
                rgb = synth.jpeg_roundtrip(rgb, rng.integers(60, 96))
            bgr = torch.from_numpy(rgb[:, :, ::-1].copy()).permute(2, 0, 1).float()  # zoo: BGR 0..255
            masks = np.stack([m for _, m in inst]) if inst else np.zeros((0, h, w), bool)
            boxes = []
            for m in masks:
                ys, xs = np.nonzero(m)
                boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            images.append(bgr)
            targets.append({
                "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                "labels": torch.tensor([l for l, _ in inst], dtype=torch.int64),
                "masks": torch.from_numpy(masks.astype(np.uint8)),
            })
        return images, targets


class EMA:
    """Exponential moving average of all float state (weights and BN statistics)."""

    def __init__(self, model, decay=0.999, tau=300):
        self.m = copy.deepcopy(model).eval()
        self.decay, self.tau, self.n = decay, tau, 0
        for p in self.m.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.n += 1
        d = self.decay * (1 - math.exp(-self.n / self.tau))  # short memory early on
        src = model.state_dict()
        for k, v in self.m.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


def pick_mined(listing, files, photos):
    """The training photos a --mined-photos file names, in its order (already decoded: no copy)."""
    if not listing:
        return []
    names = synth.read_photo_list(listing)
    by_name = {os.path.basename(f): p for f, p in zip(files, photos)}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"{listing}: not among the training photos: {', '.join(unknown)}")
    return [by_name[n] for n in names]


def lr_at(p, base, warm=0.03, floor=0.01):
    if p < warm:
        return base * (0.1 + 0.9 * p / warm)
    q = min(1.0, (p - warm) / (1 - warm))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * q)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tools/demo-model/runs/main")
    ap.add_argument("--seed", type=int, default=1234)  # held-out set uses 20261122
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--iters", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--sizes", type=int, nargs="+", default=list(TRAIN_SIZES))
    # Box-head RoI sampling per image.  Tried: 48 RoIs at 50 % foreground (same mask samples,
    # a third of the background ones) made an iteration of a trained model 19 % cheaper in
    # isolation, but the run was barely faster (1.10-1.13 vs 1.15-1.20 s/it) and behind at 15
    # and 30 minutes (segm AP 0.623 / 0.781 vs 0.644 / 0.799 on 40 images), so 96 / 25 % stays.
    ap.add_argument("--box-batch", type=int, default=96)
    ap.add_argument("--box-positive", type=float, default=0.25)
    ap.add_argument("--hard-negatives", type=float, default=0.0,
                    help="fraction of the box head's background RoIs taken in objectness order "
                         "(hard-negative mining) instead of at random")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=4)
    ap.add_argument("--eval-minutes", type=float, default=12)
    ap.add_argument("--eval-limit", type=int, default=50)
    ap.add_argument("--heldout", default="data/shapes-heldout")
    ap.add_argument("--min-size", type=int, default=DEPLOY_MIN_SIZE)  # evaluation resize during training
    ap.add_argument("--max-size", type=int, default=DEPLOY_MAX_SIZE)
    # Continue from an earlier run's weights (and its EMA, if saved) with a fresh optimizer and LR cycle:
    # a warm restart, used when one wall-clock budget was not enough. Use a new --seed so the
    # continuation sees new synthetic scenes.
    ap.add_argument("--init", default=None, help="checkpoint (.pt) whose weights start this run")
    ap.add_argument("--photos", default=synth.PHOTO_GLOB, help="glob of the training photos")
    ap.add_argument("--negatives", type=float, default=0.0,
                    help="fraction of training images that are shape-free photo crops (hard negatives)")
    ap.add_argument("--photo-share", type=float, default=0.45,
                    help="fraction of shape images drawn on a photo crop")
    ap.add_argument("--whole-negatives", type=float, default=0.0,
                    help="fraction of the hard negatives that show a whole photo rather than a crop")
    ap.add_argument("--see-through", type=float, default=0.0,
                    help="fraction of the hard negatives that show a scene through a lattice or foliage")
    ap.add_argument("--bokeh", type=float, default=0.0,
                    help="fraction of the hard negatives that are not see-through and show "
                         "out-of-focus highlights")
    ap.add_argument("--mined-photos", default=None,
                    help="text file naming training photos the model still fires on "
                         "(one per line, # comments)")
    ap.add_argument("--mined-share", type=float, default=0.0,
                    help="fraction of the hard negatives taken from the --mined-photos")
    ap.add_argument("--cutouts", default=synth.CUTOUT_GLOB,
                    help="glob of real objects cut out of photos (RGBA PNG)")
    ap.add_argument("--cutout-negatives", type=float, default=0.0,
                    help="fraction of the hard negatives with 1-6 --cutouts pasted on")
    ap.add_argument("--crowd-negatives", type=float, default=0.0,
                    help="fraction of the hard negatives with a crowd of 12-48 small --cutouts "
                         "(a flower bed, pebbles, a fruit stall)")
    ap.add_argument("--distractors", type=float, default=0.0,
                    help="fraction of the shape images with 1-4 --cutouts under the shapes")
    ap.add_argument("--teacher", default=None,
                    help="checkpoint (.pt) whose class and objectness scores near the shapes the "
                         "model is also pulled toward (distill.py)")
    ap.add_argument("--distill-weight", type=float, default=1.0,
                    help="weight of each --teacher term in the loss")
    ap.add_argument("--distill-iou", type=float, default=0.3,
                    help="RoIs and anchors with at least this IoU with a shape are distilled")
    a = ap.parse_args()
    if a.mined_share > 0 and not a.mined_photos:
        ap.error("--mined-share needs --mined-photos")
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)

    model = build_model(box_batch=a.box_batch, box_positive=a.box_positive)
    if a.hard_negatives > 0:
        model.roi_heads.fg_bg_sampler = HardNegativeSampler(a.box_batch, a.box_positive, a.hard_negatives)
    if a.init:
        start = torch.load(a.init, map_location="cpu")
        model.load_state_dict(start["model"])
        print(f"init from {a.init} (iteration {start.get('iter')})", flush=True)
    model.train()
    ema = EMA(model)
    if a.init and "ema" in start:  # the committed checkpoint holds only the exported weights
        ema.m.load_state_dict(start["ema"])
    distiller = None  # after the EMA copy: its hooks stay on the trained model only
    if a.teacher:
        teacher = build_model()
        teacher.load_state_dict(torch.load(a.teacher, map_location="cpu")["model"])
        distiller = NearShapeDistiller(model, teacher, a.distill_iou)
        print(f"distilling from {a.teacher} (weight {a.distill_weight}, IoU >= {a.distill_iou})",
              flush=True)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)  # no weight decay on BN/bias
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    files = synth.photo_files(a.photos)
    photos = synth.load_photos(files)
    cutouts = synth.load_photos(synth.photo_files(a.cutouts), mode="RGBA") \
        if a.cutout_negatives > 0 or a.crowd_negatives > 0 or a.distractors > 0 else []
    data = ShapesBatches(a.seed, a.batch, photos, tuple(a.sizes), negatives=a.negatives,
                         sample_options={"photo_share": a.photo_share, "cutouts": cutouts,
                                         "distractor_share": a.distractors},
                         negative_options={"whole_share": a.whole_negatives,
                                           "see_through_share": a.see_through, "bokeh_share": a.bokeh,
                                           "mined": pick_mined(a.mined_photos, files, photos),
                                           "mined_share": a.mined_share,
                                           "cutouts": cutouts, "cutout_share": a.cutout_negatives,
                                           "crowd_share": a.crowd_negatives})
    loader = torch.utils.data.DataLoader(data, batch_size=None, shuffle=False, num_workers=1,
                                         prefetch_factor=4, persistent_workers=True)

    def save(tag, it):
        sd = {"ema": ema.m.state_dict(), "model": model.state_dict(), "iter": it,
              "args": vars(a), "elapsed_min": (time.time() - t0) / 60}
        torch.save(sd, os.path.join(a.out, tag + ".pt.tmp"))
        os.replace(os.path.join(a.out, tag + ".pt.tmp"), os.path.join(a.out, tag + ".pt"))

    def run_eval(it, limit, net):
        g = ZooGraph(net).eval()
        r = evaluate(g, a.heldout, a.min_size, a.max_size, limit)
        line = {"iter": it, "min": round((time.time() - t0) / 60, 2), "images": r["images"],
                "segmAP": round(r["segm"]["AP"], 4), "segmAP50": round(r["segm"]["AP50"], 4),
                "bboxAP": round(r["bbox"]["AP"], 4), "bboxAP50": round(r["bbox"]["AP50"], 4)}
        print("EVAL", json.dumps(line), flush=True)
        with open(os.path.join(a.out, "evals.jsonl"), "a") as f:
            f.write(json.dumps(line) + "\n")
        return r

    t0 = time.time()
    t_ckpt = t_eval = t0
    it, smooth = 0, None
    for images, targets in loader:
        p = it / a.iters
        if a.minutes:
            p = max(p, (time.time() - t0) / 60 / a.minutes)
        if p >= 1:
            break
        lr = lr_at(p, a.lr)
        for gr in opt.param_groups:
            gr["lr"] = lr
        losses = model(images, targets)
        if distiller:
            losses.update({k: a.distill_weight * v for k, v in distiller.loss(targets).items()})
        loss = sum(losses.values())
        if not torch.isfinite(loss):
            print(f"iter {it}: non-finite loss, batch skipped", flush=True)
            it += 1
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        ema.update(model)
        it += 1
        vals = {k.replace("loss_", ""): float(v) for k, v in losses.items()}
        smooth = vals if smooth is None else {k: 0.9 * smooth[k] + 0.1 * v for k, v in vals.items()}
        if it % 10 == 0 or it == 1:
            el = time.time() - t0
            print(f"iter {it} t={el / 60:.1f}min {el / it:.2f}s/it p={p:.3f} lr={lr:.2e} "
                  f"loss={sum(smooth.values()):.3f} " +
                  " ".join(f"{k}={v:.3f}" for k, v in smooth.items()), flush=True)
        now = time.time()
        if now - t_ckpt > a.ckpt_minutes * 60:
            save("last", it)
            t_ckpt = now
        if now - t_eval > a.eval_minutes * 60:
            model.train()
            run_eval(it, a.eval_limit, ema.m)
            t_eval = time.time()
    save("last", it)
    save("final", it)
    print(f"done: {it} iterations in {(time.time() - t0) / 60:.1f} min", flush=True)
    run_eval(it, None, model)


if __name__ == "__main__":
    main()
