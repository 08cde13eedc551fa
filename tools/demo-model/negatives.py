"""False alarms on real photos with no drawn shapes: what the demo model finds there.

    /usr/bin/python3 tools/demo-model/negatives.py --ckpt tools/demo-model/checkpoints/demo-shapes.pt \
        data/photos/heldout ../shared/images

Each photo is run whole and as its four overlapping quarter crops (each 60 % of the width and
height, from the corners), with the deployed resize (min 448 / max 672).  Every detection there is
a false alarm.  Prints one line per photo and a summary; --json writes it all.

--mined-list FILE writes the photos to mine for the next training stage (train.py --mined-photos):
those whose highest score over their five views is at least --mined-score, near misses included,
together with every photo named in the --mined-also lists (earlier stages' photos stay mined):

    T=tools/demo-model
    /usr/bin/python3 $T/negatives.py --ckpt $T/checkpoints/demo-shapes.pt \
        --mined-list $T/mined-stage10.txt --mined-also $T/mined-stage8.txt \
        --mined-also $T/mined-stage9.txt data/photos/train
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

from evaluate import add_score_rule_arg, add_weights_arg, load_graph, preprocess
from model import DEPLOY_MAX_SIZE, DEPLOY_MIN_SIZE
from synth import read_photo_list

PHOTO_EXTS = (".jpg", ".jpeg", ".png")
CROP_FRACTION = 0.6
DEFAULT_THRESHOLD = 0.5   # maskserve's default minimum score
MINED_SCORE = 0.4         # below the threshold on purpose: a near miss is mined too


def photos_in(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(f for f in glob.glob(os.path.join(p, "*")) if f.lower().endswith(PHOTO_EXTS))
        else:
            out.append(p)
    return out


def views(rgb):
    """The whole photo, then its four corner crops."""
    h, w = rgb.shape[:2]
    ch, cw = int(h * CROP_FRACTION), int(w * CROP_FRACTION)
    yield "whole", rgb
    for name, (y, x) in {"top-left": (0, 0), "top-right": (0, w - cw),
                         "bottom-left": (h - ch, 0), "bottom-right": (h - ch, w - cw)}.items():
        yield name, rgb[y:y + ch, x:x + cw]


@torch.no_grad()
def scan(graph, files, threshold):
    rows = []
    for f in files:
        rgb = np.asarray(Image.open(f).convert("RGB"))
        for view, img in views(rgb):
            x, _ = preprocess(np.ascontiguousarray(img), DEPLOY_MIN_SIZE, DEPLOY_MAX_SIZE)
            _, labels, scores, _ = graph(x)
            keep = scores >= threshold
            rows.append({"photo": os.path.basename(f), "view": view,
                         "detections": int(keep.sum()),
                         "maxScore": round(float(scores.max()), 3) if len(scores) else 0.0,
                         "labels": labels[keep].tolist()})
    return rows


def summarise(rows):
    whole = [r for r in rows if r["view"] == "whole"]
    crops = [r for r in rows if r["view"] != "whole"]
    return {"photos": len(whole),
            "wholeDetections": sum(r["detections"] for r in whole),
            "wholePhotosWithDetections": sum(1 for r in whole if r["detections"]),
            "crops": len(crops),
            "cropDetections": sum(r["detections"] for r in crops),
            "cropsWithDetections": sum(1 for r in crops if r["detections"]),
            "maxScore": max((r["maxScore"] for r in rows), default=0.0)}


def mined(rows, min_score):
    """The photos whose highest score over their views is >= min_score, in scan order."""
    best = {}
    for r in rows:
        best[r["photo"]] = max(best.get(r["photo"], 0.0), r["maxScore"])
    return [photo for photo, score in best.items() if score >= min_score]


def write_mined_list(path, found, earlier_lists, min_score, command):
    earlier = {name for listing in earlier_lists for name in read_photo_list(listing)}
    new = [p for p in found if p not in earlier]
    kept = f"; every photo in {', '.join(earlier_lists)} is kept too" if earlier_lists else ""
    header = ["# Photos to mine (train.py --mined-photos), written by", f"#   {command}",
              f"# {len(found)} scored >= {min_score} whole or in a corner crop ({len(new)} new)"
              f"{kept}."]
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(header + sorted(earlier | set(found))) + "\n")
    os.replace(path + ".tmp", path)
    return new


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--json", default=None)
    ap.add_argument("--mined-list", default=None, help="write the photos to mine here")
    ap.add_argument("--mined-score", type=float, default=MINED_SCORE)
    ap.add_argument("--mined-also", action="append", default=[],
                    help="an earlier mined list whose photos stay in --mined-list; repeatable")
    ap.add_argument("paths", nargs="+", help="photo files or folders")
    add_weights_arg(ap)
    add_score_rule_arg(ap)
    a = ap.parse_args()
    if a.mined_also and not a.mined_list:
        ap.error("--mined-also needs --mined-list")
    torch.set_num_threads(2)
    rows = scan(load_graph(a.ckpt, weights=a.weights, score_rule=a.score_rule), photos_in(a.paths), a.threshold)
    for r in rows:
        if r["view"] == "whole" or r["detections"]:
            print(f'{r["photo"]:28s} {r["view"]:12s} {r["detections"]:3d} >= {a.threshold}'
                  f'  max score {r["maxScore"]:.3f}  {r["labels"] or ""}')
    summary = summarise(rows)
    print("SUMMARY", json.dumps(summary))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"sources": a.paths, "threshold": a.threshold, "summary": summary, "rows": rows}, f, indent=1)
    if a.mined_list:
        command = " ".join(["negatives.py"] + sys.argv[1:])
        found = mined(rows, a.mined_score)
        new = write_mined_list(a.mined_list, found, a.mined_also, a.mined_score, command)
        print(f"MINED {a.mined_list}: new {', '.join(new) or 'none'}")
