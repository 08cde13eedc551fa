"""Refit the box classifier (the last layer, 256 -> 7 logits) on frozen features; or, with
fit --layers head, the box head's FC layer and both predictors.

Every earlier stage fine-tuned the whole network with SGD on a stream of fresh images: the
classifier never saw the same negative twice, and each stage that made one real photo quieter
made another one louder (model card, "False alarms on real photos").  Here everything up to the
box head's 256-d feature stays fixed, so the proposals, boxes and masks the model gives do not
change; only the scores do.  The features of every RPN proposal (the 200 the exported graph
keeps) are cached once for

  - synthetic shape images drawn as the held-out set is (make_sample, JPEG),
  - synthetic negatives (make_negative: photo crops, see-through scenes, bokeh, cut-outs),
  - every training photo at the deployed resize, whole and as its four corner crops,

and the 7 x 257 parameters are fitted to convergence on all of them at once (L-BFGS), which a
stochastic stage never reaches.  A fifth of the views (--validate) is held back to choose the
options with.

    T=tools/demo-model
    /usr/bin/python3 $T/refit.py cache --ckpt $T/checkpoints/demo-shapes.pt --out $T/runs/refit/cache.pt
    /usr/bin/python3 $T/refit.py fit --ckpt $T/checkpoints/demo-shapes.pt \
        --cache $T/runs/refit/cache.pt --out $T/runs/refit/refit.pt

Alone, with torchvision's scores, every setting tried moved the model along the trade-off
between shapes found and photos fired on that the training stages had met, and none beat M17 on
both (model card, History, session 18).  With the exported graph's re-scoring (model.SCORE_RULE)
the refit with --negative-weight 2 --photo-weight 10 keeps the acceptance bar that M17 alone
no longer keeps, and ships (session 19):

    /usr/bin/python3 $T/refit.py cache --ckpt $T/runs/M17/final.pt --shape-images 2000 \
        --out $T/runs/refit/cache.pt
    /usr/bin/python3 $T/refit.py fit --ckpt $T/runs/M17/final.pt --cache $T/runs/refit/cache.pt \
        --negative-weight 2 --photo-weight 10 --out $T/checkpoints/demo-shapes.pt

A proposal in a shape image is labelled with the class of the shape it overlaps at IoU >= 0.5
and background below, as in training; with fit --ignore-band, proposals at IoU 0.3-0.5 are left
out instead (their regressed box may still land on the shape).  Every proposal in a negative is
background.
"""
import argparse
import copy
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import box_iou

import synth
from evaluate import add_weights_arg, load_graph, preprocess
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE
from negatives import views
from train import pick_mined

FOREGROUND_IOU = 0.5   # Fast R-CNN's rule, as in training
BACKGROUND_IOU = 0.3   # proposals in between are left out with fit --ignore-band
KINDS = ("shapes", "negative", "photo")  # what a cached view is
FC = 3  # box_head[3] is the Linear 4704 -> 256 (box_head[:3]: two conv blocks + flatten)
CLASSIFIER = ("roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias")


@torch.no_grad()
def proposal_features(model, rgb):
    """uint8 RGB [h,w,3] at its own size -> proposals [P,4] (resized pixels), the box head's
    flattened conv output [P,4704] (the FC layer's input), its features [P,256], box regression
    [P,28], the padded input size (h, w) and the resized/original scale."""
    x, (sx, sy) = preprocess(np.ascontiguousarray(rgb), DEPLOY_MIN_SIZE, DEPLOY_MAX_SIZE)
    size = tuple(x.shape[-2:])  # padded, as the exported graph clips to it
    batch = x.unsqueeze(0)
    images = ImageList(batch, [size])
    feats = model.backbone(batch)
    proposals, _ = model.rpn(images, feats)
    heads = model.roi_heads
    layers = list(heads.box_head)
    head_input = nn.Sequential(*layers[:FC])(heads.box_roi_pool(feats, proposals, images.image_sizes))
    box_features = nn.Sequential(*layers[FC:])(head_input)
    _, regression = heads.box_predictor(box_features)
    return proposals[0], head_input, box_features, regression, size, (1 / sx, 1 / sy)


def shape_labels(proposals, instances, scale):
    """[P] int64: class of the shape a proposal overlaps (IoU >= 0.5), 0 below 0.3, -1 between."""
    labels = torch.zeros(len(proposals), dtype=torch.int64)
    if not instances:
        return labels, torch.zeros((0, 4)), torch.zeros(0, dtype=torch.int64)
    boxes = []
    for _, m in instances:
        ys, xs = np.nonzero(m)
        boxes.append([xs.min() * scale[0], ys.min() * scale[1],
                      (xs.max() + 1) * scale[0], (ys.max() + 1) * scale[1]])
    gt = torch.tensor(boxes, dtype=torch.float32)
    gt_labels = torch.tensor([label for label, _ in instances])
    iou, match = box_iou(proposals, gt).max(1)
    labels[iou >= FOREGROUND_IOU] = gt_labels[match[iou >= FOREGROUND_IOU]]
    labels[(iou >= BACKGROUND_IOU) & (iou < FOREGROUND_IOU)] = -1
    return labels, gt, gt_labels


def build_cache(a):
    model = load_graph(a.ckpt, weights=a.weights).m
    photo_paths = synth.photo_files(a.photos)
    photos = synth.load_photos(photo_paths)
    cutouts = synth.load_photos(synth.photo_files(a.cutouts), mode="RGBA")
    mined = pick_mined(a.mined_photos, photo_paths, photos)
    negative_options = {"whole_share": 0.3, "see_through_share": 0.2, "bokeh_share": 0.2,
                        "mined": mined, "mined_share": 0.3, "cutouts": cutouts,
                        "cutout_share": 0.5, "crowd_share": 0.2}
    size_rng = np.random.default_rng([a.seed, 10 ** 9])
    rows, started = [], time.time()

    def add(kind, name, rgb, instances=()):
        proposals, head_input, features, regression, size, scale = proposal_features(model, rgb)
        labels, gt, gt_labels = shape_labels(proposals, list(instances), scale)
        rows.append({"kind": KINDS.index(kind), "name": name, "proposals": proposals,
                     "head_input": head_input.half() if a.head_input else None,
                     "features": features, "regression": regression, "size": size,
                     "labels": labels, "gt": gt, "gt_labels": gt_labels})
        if len(rows) % 250 == 0:
            print(f"{len(rows)} views, {time.time() - started:.0f} s", flush=True)

    for i in range(a.shape_images):
        w, h = synth.draw_size(size_rng)
        rgb, instances = synth.make_sample(a.seed, i, w, h, photos)
        add("shapes", f"shapes-{i}", synth.jpeg_roundtrip(rgb, 85), instances)
    for i in range(a.negative_images):
        w, h = synth.draw_size(size_rng)
        rgb = synth.make_negative(a.seed, i, w, h, photos, **negative_options)
        add("negative", f"negative-{i}", synth.jpeg_roundtrip(rgb, int(size_rng.integers(60, 96))))
    for path in photo_paths:
        rgb = np.asarray(synth.Image.open(path).convert("RGB"))
        for view, img in views(rgb):
            add("photo", f"{os.path.basename(path)}:{view}", img)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save({"ckpt": a.ckpt, "seed": a.seed, "rows": rows}, a.out + ".tmp")
    os.replace(a.out + ".tmp", a.out)
    print(f"wrote {a.out}: {len(rows)} views in {time.time() - started:.0f} s")


def stack(rows, ignore_band):
    """The cache as flat tensors: features [N,256], labels [N] (-1: left out of the fit), the
    kind of view each proposal comes from [N]."""
    features = torch.cat([r["features"] for r in rows])
    labels = torch.cat([r["labels"] for r in rows])
    if not ignore_band:
        labels = labels.clamp(min=0)   # training's rule: background below IoU 0.5
    kinds = torch.cat([torch.full((len(r["labels"]),), r["kind"]) for r in rows])
    return features, labels, kinds


def kind_weights(kinds, labels, a):
    """[N] float64: each proposal's weight, so that each kind of view weighs in with its total
    (shape images 1, --negative-weight, --photo-weight); proposals left out weigh 0."""
    share = {"shapes": 1.0, "negative": a.negative_weight, "photo": a.photo_weight}
    weights = torch.zeros(len(labels), dtype=torch.float64)
    for k, kind in enumerate(KINDS):
        sel = (kinds == k) & (labels >= 0)
        if sel.any():
            weights[sel] = share[kind] / sel.sum()
    return weights


def linear(weight, bias):
    """outputs(row) for count(): a classifier on the cached 256-d features, the cached boxes."""
    return lambda r: (r["features"] @ weight.T + bias, r["regression"])


def held_back(rows, fraction):
    """Views kept out of the fit to choose its options with: every fraction-th shape image and
    negative, and every view of every fraction-th photo (a photo's crops go with it)."""
    if fraction <= 0:
        return [False] * len(rows)
    step = max(1, round(1 / fraction))
    photos = sorted({r["name"].split(":")[0] for r in rows if r["kind"] == KINDS.index("photo")})
    back = {p for k, p in enumerate(photos) if k % step == step - 1}
    return [r["name"].split(":")[0] in back if r["kind"] == KINDS.index("photo")
            else int(r["name"].rsplit("-", 1)[1]) % step == step - 1 for r in rows]


@torch.no_grad()
def count(model, rows, outputs, threshold):
    """What the exported graph would report with outputs(row) -> (class logits [P,7], box
    regression [P,28]) for each cached view, per kind of view:
    shapes found (right class, box IoU >= 0.8: the acceptance test's bar, on boxes), false
    detections on shape images, and detections on negatives and on photos (whole / crops)."""
    heads = model.roi_heads
    tally = {"objects": 0, "found": 0, "shapeFalse": 0, "negatives": 0, "negativeViews": 0,
             "whole": 0, "crops": 0, "cropViews": 0, "wholeViews": 0}
    for r in rows:
        logits, regression = outputs(r)
        boxes, scores, labels = heads.postprocess_detections(logits, regression, [r["proposals"]],
                                                             [r["size"]])
        keep = scores[0] >= threshold
        boxes, labels = boxes[0][keep], labels[0][keep]
        kind = KINDS[r["kind"]]
        if kind == "shapes":
            tally["objects"] += len(r["gt"])
            if len(boxes) and len(r["gt"]):
                iou = box_iou(r["gt"], boxes) * (r["gt_labels"][:, None] == labels[None, :])
                tally["found"] += int((iou.max(1).values >= 0.8).sum())
                tally["shapeFalse"] += int((iou.max(0).values < 0.5).sum())
            else:
                tally["shapeFalse"] += len(boxes)
        elif kind == "negative":
            tally["negativeViews"] += 1
            tally["negatives"] += int(len(boxes) > 0)
        elif r["name"].endswith(":whole"):
            tally["wholeViews"] += 1
            tally["whole"] += int(len(boxes) > 0)
        else:
            tally["cropViews"] += 1
            tally["crops"] += int(len(boxes) > 0)
    return tally


def describe(tally):
    return (f'found {tally["found"]}/{tally["objects"]}, false on shapes {tally["shapeFalse"]}, '
            f'negatives firing {tally["negatives"]}/{tally["negativeViews"]}, '
            f'photos firing whole {tally["whole"]}/{tally["wholeViews"]}, '
            f'crops {tally["crops"]}/{tally["cropViews"]}')


def object_ids(rows, min_iou):
    """[N]: which shape (numbered across the whole cache) a proposal overlaps at IoU >= min_iou,
    -1 for the rest."""
    ids, first = [], 0
    for r in rows:
        out = torch.full((len(r["labels"]),), -1, dtype=torch.int64)
        if len(r["gt"]):
            iou, match = box_iou(r["proposals"], r["gt"]).max(1)
            near = iou >= min_iou
            out[near] = match[near] + first
            first += len(r["gt"])
        ids.append(out)
    return torch.cat(ids)


def threshold_loss(logits, labels, objects, weights, a):
    """A loss for what is counted at the threshold 0.5 rather than for the likelihood.

    A class fires on a proposal when its score is >= 0.5, i.e. when its log-odds log(p/(1-p))
    is >= 0.  Every class that must not fire (all six on background, the five others on a
    shape's proposals) is pushed below -margin; each shape needs only one of its proposals (IoU
    >= --object-iou) to fire with its class, so a soft maximum over them is pushed above
    +margin.  Softplus with --sharpness k stands in for the hinge."""
    k, margin = a.sharpness, a.margin
    p = logits.softmax(1).clamp(1e-7, 1 - 1e-7)
    log_odds = (p.log() - (-p).log1p())[:, 1:]            # [N,6]
    must_not_fire = torch.ones_like(log_odds, dtype=torch.bool)
    fg = labels > 0
    must_not_fire[fg.nonzero()[:, 0], labels[fg] - 1] = False
    silence = (F.softplus(k * (log_odds + margin)) / k * must_not_fire).sum(1)
    loss = (silence * weights).sum()
    near = objects >= 0
    if near.any():
        own = log_odds[near, labels[near] - 1]
        obj = objects[near]
        count = int(obj.max()) + 1
        peak = torch.full((count,), -1e9).scatter_reduce(0, obj, own.detach(), "amax")
        spread = torch.zeros(count).index_add(0, obj, torch.exp(k * (own - peak[obj])))
        present = spread > 0
        best = peak[present] + spread[present].log() / k   # soft maximum per shape
        loss = loss + a.object_weight * (F.softplus(k * (margin - best)) / k).mean()
    return loss


TRAINING_RECORD = ("iter", "args", "elapsed_min", "note")


def fit(a):
    checkpoint = torch.load(a.ckpt, map_location="cpu")
    model = load_graph(checkpoint, weights=a.weights).m
    # The training record (args, iterations, minutes, note) of the checkpoint it starts from
    # stays with the refitted weights, so make_card.py describes them as it does any other.
    record = {k: v for k, v in checkpoint.items() if k in TRAINING_RECORD}
    cache = torch.load(a.cache, map_location="cpu")
    rows = cache["rows"]
    back = held_back(rows, a.validate)
    train_rows = [r for r, b in zip(rows, back) if not b]
    check_rows = [r for r, b in zip(rows, back) if b]
    if a.layers == "head":
        return fit_head(a, model, cache, train_rows, check_rows, record)
    features, labels, kinds = stack(train_rows, a.ignore_band)
    objects = object_ids(train_rows, a.object_iou)
    used = labels >= 0
    features, labels, objects = features[used], labels[used], objects[used]
    weights = kind_weights(kinds[used], labels, a).float()
    sd = model.state_dict()
    w0, b0 = sd[CLASSIFIER[0]].clone(), sd[CLASSIFIER[1]].clone()
    weight, bias = w0.clone().requires_grad_(), b0.clone().requires_grad_()
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=a.iterations, history_size=20,
                                  line_search_fn="strong_wolfe", tolerance_grad=1e-9, tolerance_change=1e-12)

    def closure():
        optimizer.zero_grad()
        logits = features @ weight.T + bias
        if a.loss == "threshold":
            loss = threshold_loss(logits, labels, objects, weights, a)
        else:
            loss = (F.cross_entropy(logits, labels, reduction="none") * weights).sum()
        loss = loss + a.anchor * ((weight - w0).pow(2).sum() + (bias - b0).pow(2).sum())
        loss.backward()
        return loss

    started = time.time()
    optimizer.step(closure)
    print(f"fitted on {len(train_rows)} views ({len(labels)} proposals) in {time.time() - started:.0f} s, "
          f"loss {float(closure()):.5f}, |W - W0| {float((weight - w0).norm()):.3f}")
    weight, bias = weight.detach(), bias.detach()
    for name, subset in (("fitted on", train_rows), ("held back", check_rows)):
        if subset:
            for when, w, b in (("before", w0, b0), ("after", weight, bias)):
                tally = count(model, subset, linear(w, b), a.threshold)
                print(f"{name:10s} {when + ':':7s} {describe(tally)}")
    save(a, model, cache, record, {CLASSIFIER[0]: weight, CLASSIFIER[1]: bias})


def fit_head(a, model, cache, train_rows, check_rows, record):
    """Refit the box head's FC layer (4704 -> 256) and both predictors on the cached FC inputs:
    Adam on minibatches drawn in proportion to each proposal's weight (each kind of view gets
    its share), cross-entropy on the classes plus a pull of the box regression toward what the
    model gave (so the boxes stay where they were)."""
    heads = model.roi_heads
    fc = copy.deepcopy(heads.box_head[FC])
    predictor = copy.deepcopy(heads.box_predictor)
    sizes = [len(r["labels"]) for r in train_rows]
    inputs = torch.empty((sum(sizes), train_rows[0]["head_input"].shape[1]), dtype=torch.float16)
    start = 0
    for r, n in zip(train_rows, sizes):
        inputs[start:start + n] = r["head_input"]
        r["head_input"] = None           # the cache's copy: one copy of ~7 GB is enough
        start += n
    _, labels, kinds = stack(train_rows, a.ignore_band)
    regression0 = torch.cat([r["regression"] for r in train_rows])
    draw = kind_weights(kinds, labels, a)
    params = list(fc.parameters()) + list(predictor.parameters())
    optimizer = torch.optim.Adam(params, lr=a.lr)
    generator = torch.Generator().manual_seed(cache["seed"])

    def outputs(r):
        features = F.relu(fc(r["head_input"].float()))
        return predictor(features)

    started = time.time()
    for step in range(a.steps):
        for group in optimizer.param_groups:      # cosine to zero
            group["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        batch = torch.multinomial(draw, a.batch, replacement=True, generator=generator)
        logits, regression = predictor(F.relu(fc(inputs[batch].float())))
        classification = F.cross_entropy(logits, labels[batch])
        box = (regression - regression0[batch]).pow(2).sum(1).mean()
        loss = classification + a.regression_weight * box
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % a.report_every == 0 or step + 1 == a.steps:
            with torch.no_grad():
                tally = describe(count(model, check_rows, outputs, a.threshold)) if check_rows else ""
            print(f"step {step + 1} ({time.time() - started:.0f} s): class {float(classification):.4f} "
                  f"box {float(box):.5f}  held back: {tally}", flush=True)
    if check_rows:
        base = linear(heads.box_predictor.cls_score.weight, heads.box_predictor.cls_score.bias)
        print(f"held back before: {describe(count(model, check_rows, base, a.threshold))}")
    replaced = {f"roi_heads.box_head.{FC}.{k}": v.detach() for k, v in fc.state_dict().items()}
    replaced.update({f"roi_heads.box_predictor.{k}": v.detach() for k, v in predictor.state_dict().items()})
    save(a, model, cache, record, replaced)


def save(a, model, cache, record, replaced):
    """The model's weights (as loaded from --ckpt) with the refitted tensors in place, its
    training record, and what the refit did ("refit")."""
    if a.out:
        state = {**model.state_dict(), **replaced}
        out = {**record, "model": state, "refit": {"ckpt": a.ckpt, "weights": a.weights, "cache": a.cache,
                                          "cacheSeed": cache["seed"], "validate": a.validate,
                                          "layers": a.layers, "negativeWeight": a.negative_weight,
                                          "photoWeight": a.photo_weight, "anchor": a.anchor,
                                          "iterations": a.iterations, "steps": a.steps,
                                          "loss": a.loss, "margin": a.margin, "sharpness": a.sharpness,
                                          "objectWeight": a.object_weight, "objectIou": a.object_iou,
                                          "lr": a.lr, "regressionWeight": a.regression_weight}}
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        torch.save(out, a.out + ".tmp")
        os.replace(a.out + ".tmp", a.out)
        print(f"wrote {a.out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cache", help="cache the proposals' features")
    c.add_argument("--ckpt", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--seed", type=int, default=31415)
    c.add_argument("--shape-images", type=int, default=1500)
    c.add_argument("--negative-images", type=int, default=1500)
    c.add_argument("--photos", default=synth.PHOTO_GLOB)
    c.add_argument("--head-input", action="store_true",
                   help="cache the FC layer's input too (float16, 9.4 KB per proposal) for fit --layers head")
    c.add_argument("--cutouts", default=synth.CUTOUT_GLOB)
    c.add_argument("--mined-photos", default=os.path.join(os.path.dirname(__file__), "mined-stage18.txt"))
    add_weights_arg(c)
    f = sub.add_parser("fit", help="fit the classifier on a cache")
    f.add_argument("--ckpt", required=True, help="the checkpoint the cache was made with")
    f.add_argument("--cache", required=True)
    f.add_argument("--out", default=None)
    f.add_argument("--negative-weight", type=float, default=1.0,
                   help="total weight of the synthetic negatives' proposals (shape images: 1)")
    f.add_argument("--photo-weight", type=float, default=1.0,
                   help="total weight of the training photos' proposals")
    f.add_argument("--anchor", type=float, default=1e-3, help="L2 pull toward the current classifier")
    f.add_argument("--ignore-band", action="store_true",
                   help="leave proposals at IoU 0.3-0.5 with a shape out of the fit")
    f.add_argument("--layers", choices=("classifier", "head"), default="classifier",
                   help="classifier: cls_score only (L-BFGS); head: the FC layer and both predictors "
                        "(Adam; needs a cache made with --head-input)")
    f.add_argument("--iterations", type=int, default=300, help="L-BFGS iterations (classifier)")
    f.add_argument("--loss", choices=("cross-entropy", "threshold"), default="cross-entropy",
                   help="threshold: what the 0.5 threshold counts (threshold_loss; classifier)")
    f.add_argument("--margin", type=float, default=1.0, help="log-odds margin around 0.5 (threshold)")
    f.add_argument("--sharpness", type=float, default=2.0, help="softplus sharpness (threshold)")
    f.add_argument("--object-weight", type=float, default=1.0,
                   help="weight of 'each shape fires once' against the silence terms (threshold)")
    f.add_argument("--object-iou", type=float, default=0.6,
                   help="a shape's proposals that may fire for it (threshold)")
    f.add_argument("--steps", type=int, default=2000, help="Adam steps (head)")
    f.add_argument("--batch", type=int, default=4096, help="proposals per Adam step (head)")
    f.add_argument("--lr", type=float, default=1e-4, help="Adam's learning rate (head), cosine to 0")
    f.add_argument("--regression-weight", type=float, default=1.0,
                   help="pull of the box regression toward the model's own (head)")
    f.add_argument("--report-every", type=int, default=250)
    f.add_argument("--validate", type=float, default=0.2, help="fraction of views held back")
    f.add_argument("--threshold", type=float, default=0.5)
    add_weights_arg(f)
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.command == "cache":
        build_cache(a)
    else:
        fit(a)
