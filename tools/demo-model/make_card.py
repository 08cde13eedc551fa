"""Write the sidecar model card models/demo/shapes-maskrcnn.json from a run's facts.

    /usr/bin/python3 tools/demo-model/make_card.py --ckpt tools/demo-model/runs/main/final.pt \
        --metrics tools/demo-model/runs/main/heldout.json --onnx models/demo/shapes-maskrcnn.onnx
"""
import argparse
import hashlib
import json
import os

import torch

from export import DESCRIPTION
from synth import CLASSES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--metrics", required=True, help="evaluate.py --json output")
    ap.add_argument("--onnx", default="models/demo/shapes-maskrcnn.onnx")
    ap.add_argument("--out", default="models/demo/shapes-maskrcnn.json")
    ap.add_argument("--train-minutes", type=float, default=None, help="wall clock of the run")
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu")
    targs = ck["args"]
    with open(a.metrics) as f:
        r = json.load(f)
    with open(a.onnx, "rb") as f:
        blob = f.read()
    r4 = lambda v: round(float(v), 4)  # noqa: E731
    card = {
        "id": "demo-shapes",
        "family": "maskrcnn",
        "file": os.path.basename(a.onnx),
        "bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "classes": ["__background"] + CLASSES,
        "minSize": r["minSize"],
        "maxSize": r["maxSize"],
        "sizeDivisible": 32,
        "input": {"name": "image", "shape": [3, "H", "W"], "channelOrder": "BGR",
                  "range": "0..255", "mean": [102.9801, 115.9465, 122.7717], "std": None},
        "outputs": ["boxes", "labels", "scores", "masks"],
        "scoreFloor": 0.05,
        "maxDetections": 100,
        "maskThreshold": 0.5,
        "license": "Apache-2.0",
        "description": DESCRIPTION,
        "training": {
            "recipe": ("torchvision 0.14 MaskRCNN, from scratch: residual CNN backbone "
                       "(48/96/160/256 ch, BatchNorm) + 64-ch FPN, 4x96-ch mask head, 2x96-ch conv+GroupNorm box head + 256-d FC; "
                       "AdamW lr %g wd %g, linear warm-up + cosine on wall-clock progress, "
                       "grad-clip 10, EMA weights; per-class NMS 0.5 (class-agnostic NMS off: it cost AP)"
                       % (targs["lr"], targs["wd"])),
            "iterations": int(ck["iter"]),
            "batch": targs["batch"],
            "imagesSeen": int(ck["iter"]) * targs["batch"],
            "trainSizes": "each batch WxH drawn from {256, 288, 320}",
            "wallClockMinutes": round(a.train_minutes or ck["elapsed_min"], 1),
            "hardware": "2 shared CPU cores (Debian torch 1.13, OpenBLAS/OpenMP)",
            "seed": targs["seed"],
            "data": ("on-the-fly synthetic images from tools/demo-model/synth.py (seed %d): "
                     "1-10 shapes, random colours/gradients/noise fills, sizes 8-55 %% of the short "
                     "side, rotation, aspect 0.74-1.35, occlusion (visible masks only), backgrounds "
                     "from noise, gradients and crops of 7 real photos; 50 %% JPEG q60-95"
                     % targs["seed"]),
        },
        "metrics": {"heldout": {
            "segmAP": r4(r["segm"]["AP"]), "segmAP50": r4(r["segm"]["AP50"]),
            "segmAP75": r4(r["segm"]["AP75"]),
            "bboxAP": r4(r["bbox"]["AP"]), "bboxAP50": r4(r["bbox"]["AP50"]),
            "bboxAP75": r4(r["bbox"]["AP75"]),
            "segmAPPerClass": dict(zip(CLASSES, map(r4, r["segm"]["perClassAP"]))),
            "images": r["images"],
            "dataset": "data/shapes-heldout (200 JPEGs, 256-640 px, seed 20261122)",
            "measuredWith": ("tools/demo-model/evaluate.py (python, COCO mAP re-implemented in "
                             "numpy: IoU .50:.95, 101-point, maxDets 100) on the PyTorch graph that "
                             "was exported; resize min %d / max %d" % (r["minSize"], r["maxSize"])),
        }},
    }
    with open(a.out, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
