"""Held-out evaluation: maskserve-style preprocessing + COCO mAP in numpy.

pycocotools is not packaged for Debian bookworm, so `coco_map` re-implements
COCOeval for our case (iscrowd=0 everywhere, area range "all", maxDets=100):
IoU thresholds .50:.05:.95, 101-point interpolated precision, greedy matching
of score-sorted detections per image and category, exactly as pycocotools does.

    /usr/bin/python3 tools/demo-model/evaluate.py --ckpt tools/demo-model/runs/main/last.pt
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.models.detection.roi_heads import paste_masks_in_image

import synth
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE, SCORE_RULE, SCORE_RULES, ZOO_MEAN

IOU_THRS = np.linspace(0.5, 0.95, 10)
REC_THRS = np.linspace(0.0, 1.0, 101)


# ------------------------------------------------------------------ preprocessing
def resize_scale(w, h, min_size, max_size):
    """maskserve's rule: short side -> min_size unless the long side would exceed max_size."""
    return min(min_size / min(w, h), max_size / max(w, h))


def preprocess(rgb, min_size, max_size, div=32):
    """uint8 RGB [h,w,3] -> (zoo tensor [3,Hp,Wp], (sx, sy) original/resized).

    Resize with PIL bilinear to round(dim*scale), BGR, minus ZOO_MEAN, zero-pad bottom/right.
    """
    h, w = rgb.shape[:2]
    s = resize_scale(w, h, min_size, max_size)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    im = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR), np.float32)
    x = torch.from_numpy(im[:, :, ::-1].copy()).permute(2, 0, 1) - torch.tensor(ZOO_MEAN)[:, None, None]
    ph, pw = math.ceil(nh / div) * div, math.ceil(nw / div) * div
    x = F.pad(x, (0, pw - nw, 0, ph - nh))  # zeros == the mean colour after normalisation
    return x.contiguous(), (w / nw, h / nh)


def postprocess(boxes, labels, scores, masks, scale, size_hw, thr=0.5):
    """Zoo outputs (input-tensor pixels) -> original-image boxes and bool masks [N,h,w]."""
    b = boxes.clone()
    b[:, 0::2] *= scale[0]
    b[:, 1::2] *= scale[1]
    b[:, 0::2] = b[:, 0::2].clamp(0, size_hw[1])
    b[:, 1::2] = b[:, 1::2].clamp(0, size_hw[0])
    if len(b):
        m = paste_masks_in_image(masks, b, size_hw, padding=1)[:, 0] >= thr
    else:
        m = torch.zeros((0,) + tuple(size_hw), dtype=torch.bool)
    return b.numpy(), labels.numpy(), scores.numpy(), m.numpy()


# ------------------------------------------------------------------------ COCO mAP
def _box_iou(d, g):  # xywh
    dx2, dy2, gx2, gy2 = d[:, 0] + d[:, 2], d[:, 1] + d[:, 3], g[:, 0] + g[:, 2], g[:, 1] + g[:, 3]
    iw = np.clip(np.minimum(dx2[:, None], gx2[None]) - np.maximum(d[:, None, 0], g[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(dy2[:, None], gy2[None]) - np.maximum(d[:, None, 1], g[None, :, 1]), 0, None)
    inter = iw * ih
    union = (d[:, 2] * d[:, 3])[:, None] + (g[:, 2] * g[:, 3])[None] - inter
    return inter / np.maximum(union, 1e-9)


def _mask_iou(d, g):  # bool [D,h,w], [G,h,w]
    df = d.reshape(len(d), -1).astype(np.float32)
    gf = g.reshape(len(g), -1).astype(np.float32)
    inter = df @ gf.T
    union = df.sum(1)[:, None] + gf.sum(1)[None] - inter
    return inter / np.maximum(union, 1e-9)


def coco_map(records, num_classes=6, max_dets=100):
    """records: per image dicts with gt_{labels,boxes,masks} and dt_{labels,boxes,scores,masks}.

    Boxes are xywh. Returns {"segm": {...}, "bbox": {...}} with AP, AP50, AP75.
    """
    out = {}
    for kind in ("bbox", "segm"):
        iou_fn = _box_iou if kind == "bbox" else _mask_iou
        key = "boxes" if kind == "bbox" else "masks"
        prec = -np.ones((len(IOU_THRS), len(REC_THRS), num_classes))
        for c in range(1, num_classes + 1):
            scores, matched, n_gt = [], [], 0  # matched: [T] bool per detection
            for r in records:
                gi = np.flatnonzero(r["gt_labels"] == c)
                di = np.flatnonzero(r["dt_labels"] == c)
                di = di[np.argsort(-r["dt_scores"][di], kind="mergesort")][:max_dets]
                n_gt += len(gi)
                if len(di) == 0:
                    continue
                m = np.zeros((len(IOU_THRS), len(di)), bool)
                if len(gi):
                    ious = iou_fn(r["dt_" + key][di], r["gt_" + key][gi])
                    for t, thr in enumerate(IOU_THRS):
                        taken = np.zeros(len(gi), bool)
                        for k in range(len(di)):
                            best, bj = min(thr, 1 - 1e-10), -1
                            for j in range(len(gi)):
                                if not taken[j] and ious[k, j] >= best:
                                    best, bj = ious[k, j], j
                            if bj >= 0:
                                taken[bj] = True
                                m[t, k] = True
                scores.append(r["dt_scores"][di])
                matched.append(m)
            if n_gt == 0:
                continue
            if not scores:
                prec[:, :, c - 1] = 0
                continue
            s = np.concatenate(scores)
            order = np.argsort(-s, kind="mergesort")
            tp = np.concatenate(matched, 1)[:, order]
            tps, fps = np.cumsum(tp, 1), np.cumsum(~tp, 1)
            for t in range(len(IOU_THRS)):
                rc = tps[t] / n_gt
                pr = tps[t] / np.maximum(tps[t] + fps[t], np.spacing(1))
                pr = np.maximum.accumulate(pr[::-1])[::-1]  # monotone precision envelope
                idx = np.searchsorted(rc, REC_THRS, side="left")
                q = np.zeros(len(REC_THRS))
                ok = idx < len(pr)
                q[ok] = pr[idx[ok]]
                prec[t, :, c - 1] = q

        def ap(p):
            v = p[p > -1]
            return float(v.mean()) if v.size else -1.0

        out[kind] = {"AP": ap(prec), "AP50": ap(prec[0]), "AP75": ap(prec[5]),
                     "perClassAP": [ap(prec[:, :, k]) for k in range(num_classes)]}
    return out


# --------------------------------------------------------------------- evaluation
def load_heldout(root):
    with open(os.path.join(root, "instances.json")) as f:
        coco = json.load(f)
    by_img = {im["id"]: [] for im in coco["images"]}
    for a in coco["annotations"]:
        by_img[a["image_id"]].append(a)
    return coco, by_img


@torch.no_grad()
def evaluate(graph_fn, root, min_size, max_size, limit=None, log=None):
    """graph_fn(image [3,H,W]) -> (boxes, labels, scores, masks28) as torch tensors."""
    coco, by_img = load_heldout(root)
    images = coco["images"][:limit] if limit else coco["images"]
    records, t_inf = [], 0.0
    for im in images:
        rgb = np.asarray(Image.open(os.path.join(root, "images", im["file_name"])).convert("RGB"))
        x, scale = preprocess(rgb, min_size, max_size)
        t0 = time.time()
        boxes, labels, scores, masks = graph_fn(x)
        t_inf += time.time() - t0
        b, l, s, m = postprocess(boxes, labels, scores, masks, scale, rgb.shape[:2])
        anns = by_img[im["id"]]
        records.append({
            "gt_labels": np.array([a["category_id"] for a in anns], int),
            "gt_boxes": np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4),
            "gt_masks": np.stack([synth.rle_decode(a["segmentation"]) for a in anns])
            if anns else np.zeros((0,) + rgb.shape[:2], bool),
            "dt_labels": l.astype(int), "dt_scores": s.astype(np.float64),
            "dt_boxes": np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], 1).astype(np.float64),
            "dt_masks": m,
        })
    res = coco_map(records)
    res["images"] = len(images)
    res["inferenceMsPerImage"] = 1000 * t_inf / max(1, len(images))
    return res


# Which weights of a train.py checkpoint to use.  "model" = the final weights after the cosine
# has annealed the LR to 1 %; "ema" = their moving average.  With decay 0.999 the EMA remembers
# ~1,000 iterations, a third of a 57-minute run, so it still carries the high-LR phase: on the
# shipped run it measured lower (acceptance criterion on all 200 held-out images: 953 vs 963 of
# 1,069 objects; segm AP 0.812 vs 0.812, AP50 0.947 vs 0.952), so the final weights ship.
WEIGHTS = ("model", "ema")
SHIPPED_WEIGHTS = "model"


def add_weights_arg(ap):
    """--weights for every script that loads (or describes) the exported weights."""
    ap.add_argument("--weights", choices=WEIGHTS, default=SHIPPED_WEIGHTS,
                    help="which weights of the checkpoint: final (model) or their EMA")


def add_score_rule_arg(ap):
    """--score-rule for every script that runs (or describes) the exported graph."""
    ap.add_argument("--score-rule", choices=SCORE_RULES, default=SCORE_RULE,
                    help="how detections are scored (model.SCORE_RULE): 'proposal' reproduces "
                         "the graphs exported before session 19")


def load_graph(ckpt, agnostic_iou=None, weights=SHIPPED_WEIGHTS, score_rule=SCORE_RULE):
    """ckpt: a checkpoint's path, or the checkpoint already loaded (torch.load)."""
    from model import ZooGraph, build_model
    m = build_model() if agnostic_iou is None else build_model(agnostic_iou)
    sd = torch.load(ckpt, map_location="cpu") if isinstance(ckpt, (str, os.PathLike)) else ckpt
    m.load_state_dict(sd[weights] if weights in sd else sd)
    return ZooGraph(m.eval(), score_rule).eval()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", default="data/shapes-heldout")
    ap.add_argument("--min-size", type=int, nargs="+", default=[DEPLOY_MIN_SIZE])
    ap.add_argument("--max-size", type=int, default=DEPLOY_MAX_SIZE)
    ap.add_argument("--agnostic-iou", type=float, nargs="+", default=[None])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", default=None, help="write the (last) result here")
    add_weights_arg(ap)
    add_score_rule_arg(ap)
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    for iou in a.agnostic_iou:
        g = load_graph(a.ckpt, iou, a.weights, a.score_rule)
        for ms in a.min_size:
            r = evaluate(g, a.data, ms, max(a.max_size, ms), a.limit)
            r.update({"minSize": ms, "maxSize": max(a.max_size, ms), "agnosticIou": iou})
            print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                              for k, v in r.items() if k not in ("segm", "bbox")}),
                  "segm", {k: round(v, 4) for k, v in r["segm"].items() if k != "perClassAP"},
                  "bbox", {k: round(v, 4) for k, v in r["bbox"].items() if k != "perClassAP"},
                  flush=True)
            if a.json:
                with open(a.json, "w") as f:
                    json.dump(r, f, indent=1)
