"""Export a checkpoint to the ONNX-Model-Zoo Mask R-CNN contract for maskserve.

    /usr/bin/python3 tools/demo-model/export.py --ckpt tools/demo-model/runs/main/final.pt \
        --out models/demo/shapes-maskrcnn.onnx

Graph: input `image` float32 [3,H,W] (BGR, 0..255 minus ZOO_MEAN, already resized and
zero-padded to multiples of 32 by the caller; H and W are dynamic) -> outputs, in order,
`boxes` [N,4] xyxy input pixels, `labels` [N] int64 (1-based), `scores` [N] descending,
`masks` [N,1,28,28] sigmoid probabilities (to be pasted by maskserve).
Opset 11: at 16/17 torch 1.13 exports RoiAlign without coordinate_transformation_mode
(defaults to half_pixel) and boxes come out hundreds of pixels off.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from PIL import Image

from evaluate import add_score_rule_arg, add_weights_arg, load_graph, preprocess
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE
from synth import CLASSES

DESCRIPTION = "maskserve demo model: 6 synthetic shape classes, trained from scratch by tools/demo-model"


def metadata(min_size, max_size):
    return {
        "maskserve.family": "maskrcnn",
        "maskserve.classes": json.dumps(["__background"] + CLASSES),
        "maskserve.min_size": str(min_size),
        "maskserve.max_size": str(max_size),
        "maskserve.size_divisible": "32",
        # Training and evaluate.py resize to round(dim * s) (PIL); tell maskserve to do the same
        # instead of the zoo's floor, so deployed inputs match training to the pixel.
        "maskserve.resize_rounding": "round",
        "maskserve.model_id": "demo-shapes",
        "maskserve.license": "Apache-2.0",
        "maskserve.description": DESCRIPTION,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default="models/demo/shapes-maskrcnn.onnx")
    ap.add_argument("--min-size", type=int, default=DEPLOY_MIN_SIZE)
    ap.add_argument("--max-size", type=int, default=DEPLOY_MAX_SIZE)
    add_weights_arg(ap)
    add_score_rule_arg(ap)
    ap.add_argument("--sample", default="data/shapes-heldout/images/shapes_0000.jpg")
    a = ap.parse_args()
    torch.set_num_threads(2)
    graph = load_graph(a.ckpt, weights=a.weights, score_rule=a.score_rule)
    rgb = np.asarray(Image.open(a.sample).convert("RGB"))
    x, _ = preprocess(rgb, a.min_size, a.max_size)
    with torch.no_grad():
        ref = graph(x)
    tmp = a.out + ".tmp"
    torch.onnx.export(
        graph, (x,), tmp, opset_version=11, do_constant_folding=True,
        input_names=["image"], output_names=["boxes", "labels", "scores", "masks"],
        dynamic_axes={"image": {1: "height", 2: "width"}, "boxes": {0: "N"},
                      "labels": {0: "N"}, "scores": {0: "N"}, "masks": {0: "N"}})
    m = onnx.load(tmp)
    del m.metadata_props[:]
    for k, v in metadata(a.min_size, a.max_size).items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    m.doc_string = DESCRIPTION
    # The tracer leaves symbolic names on the fixed dims; declare them so consumers that
    # identify outputs by shape (maskserve does) see boxes [N,4] and masks [N,1,28,28].
    fixed = {"boxes": [None, 4], "masks": [None, 1, 28, 28]}
    for o in m.graph.output:
        for i, v in enumerate(fixed.get(o.name, [])):
            if v is not None:
                o.type.tensor_type.shape.dim[i].dim_value = v  # replaces dim_param (oneof)
    onnx.checker.check_model(m)
    onnx.save(m, a.out)
    os.remove(tmp)
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"wrote {a.out}: {os.path.getsize(a.out) / 1e6:.2f} MB, opset "
          f"{m.opset_import[0].version}, {len(m.graph.node)} nodes; ops: {' '.join(ops)}")
    print("sample detections (PyTorch):", len(ref[0]), "top scores", ref[2][:5].tolist())


if __name__ == "__main__":
    main()
