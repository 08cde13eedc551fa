"""Linear interpolation of two checkpoints' weights: (1 - t) * A + t * B.

    /usr/bin/python3 tools/demo-model/blend.py --a runs/blend9-10/final.pt \
        --b runs/negatives11/final.pt --t 0.5 --out runs/blend10-11/final.pt

Both must come from one training trajectory (B warm-started from A), where the weights in
between stay a working network.  The shipped demo model is such a blend: each hard-negative stage
made it quieter on real photos but also less sure of some real shapes; half of the stage's
starting point back gives recall back and keeps most of the quiet (model card, "Architecture and
training").
Float tensors (weights, BatchNorm statistics) are interpolated; integer buffers come from B.
"""
import argparse
import os

import torch

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--t", type=float, required=True, help="weight of B")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    a = torch.load(args.a, map_location="cpu")
    b = torch.load(args.b, map_location="cpu")
    t = args.t
    blended = {k: (1 - t) * a["model"][k] + t * v if v.is_floating_point() else v
               for k, v in b["model"].items()}
    out = {k: v for k, v in b.items() if k != "ema"}   # the EMA is not blended: not exported
    out["model"] = blended
    out["blend"] = {"a": args.a, "b": args.b, "t": t}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(out, args.out)
    print(f"wrote {args.out}: {1 - t:g} x {args.a} + {t:g} x {args.b}")
