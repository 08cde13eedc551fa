"""Dump PyTorch reference outputs for a few held-out images, for ONNX comparisons.

    /usr/bin/python3 tools/demo-model/verify.py --ckpt tools/demo-model/runs/main/final.pt
    node tools/demo-model/verify-ort.mjs            # onnxruntime-node vs these references

For each image, reference/<stem>.png holds the *resized* RGB image (lossless, so
Node reproduces the input tensor bit for bit: BGR, minus the zoo mean, zero pad to
multiples of 32) and reference/<stem>.json the PyTorch outputs of the same graph
that export.py traces.  Debian bookworm has no python onnxruntime, hence Node.
"""
import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

from evaluate import add_score_rule_arg, add_weights_arg, load_graph, preprocess, resize_scale
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE, ZOO_MEAN

IMAGES = ["shapes_0000", "shapes_0001", "shapes_0002", "shapes_0003", "shapes_0004"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    add_weights_arg(ap)
    add_score_rule_arg(ap)
    ap.add_argument("--data", default="data/shapes-heldout")
    ap.add_argument("--out", default="tools/demo-model/reference")
    ap.add_argument("--min-size", type=int, default=DEPLOY_MIN_SIZE)
    ap.add_argument("--max-size", type=int, default=DEPLOY_MAX_SIZE)
    a = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    graph = load_graph(a.ckpt, weights=a.weights, score_rule=a.score_rule)
    for stem in IMAGES:
        rgb = np.asarray(Image.open(os.path.join(a.data, "images", stem + ".jpg")).convert("RGB"))
        h, w = rgb.shape[:2]
        x, scale = preprocess(rgb, a.min_size, a.max_size)
        nw, nh = round(w / scale[0]), round(h / scale[1])
        # The exact resized pixels the tensor was built from (undo BGR + mean, crop the pad).
        resized = (x[:, :nh, :nw] + torch.tensor(ZOO_MEAN)[:, None, None]).round().byte()
        Image.fromarray(resized.permute(1, 2, 0).numpy()[:, :, ::-1].copy()).save(
            os.path.join(a.out, stem + ".png"))
        with torch.no_grad():
            boxes, labels, scores, masks = graph(x)
        ref = {
            "image": f"{a.data}/images/{stem}.jpg", "png": stem + ".png",
            "originalSize": [h, w], "resizedSize": [nh, nw], "inputShape": list(x.shape),
            "scale": resize_scale(w, h, a.min_size, a.max_size),
            "minSize": a.min_size, "maxSize": a.max_size, "mean": ZOO_MEAN, "channelOrder": "BGR",
            "boxes": [[round(v, 4) for v in b] for b in boxes.tolist()],
            "labels": labels.tolist(),
            "scores": [round(v, 6) for v in scores.tolist()],
            # per-detection mean and 0.5-area of the 28x28 probability map: cheap mask checksums
            "maskMean": [round(v, 6) for v in masks.mean((1, 2, 3)).tolist()],
            "maskArea28": (masks >= 0.5).sum((1, 2, 3)).tolist(),
        }
        with open(os.path.join(a.out, stem + ".json"), "w") as f:
            json.dump(ref, f, indent=1)
        print(stem, "input", list(x.shape), "detections", len(scores),
              ">=0.5:", int((scores >= 0.5).sum()))


if __name__ == "__main__":
    main()
