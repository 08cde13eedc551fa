"""Linear interpolation of two checkpoints' weights: (1 - t) * A + t * B.

    /usr/bin/python3 tools/demo-model/blend.py --a runs/blend9-10/final.pt \
        --b runs/negatives11/final.pt --t 0.5 --out runs/blend10-11/final.pt

Both must come from one training trajectory (B warm-started from A), where the weights in
between stay a working network.  The shipped demo model is such a blend: each hard-negative stage
made it quieter on real photos but also less sure of some real shapes; half of the stage's
starting point back gives recall back and keeps most of the quiet (model card, "Architecture and
training").
Float tensors (weights, BatchNorm statistics) are interpolated; integer buffers come from B.
--a-weights/--b-weights ema take a training run's EMA weights instead of its final ones (the
shipped M17 = 0.15 x M12 + 0.85 x stage 17's EMA).
"""
import argparse
import os

import torch

from evaluate import SHIPPED_WEIGHTS, WEIGHTS

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--t", type=float, required=True, help="weight of B")
    ap.add_argument("--a-weights", choices=WEIGHTS, default=SHIPPED_WEIGHTS, help="which of A's")
    ap.add_argument("--b-weights", choices=WEIGHTS, default=SHIPPED_WEIGHTS, help="which of B's")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    a = torch.load(args.a, map_location="cpu")
    b = torch.load(args.b, map_location="cpu")
    t = args.t
    a_weights, b_weights = a[args.a_weights], b[args.b_weights]
    blended = {k: (1 - t) * a_weights[k] + t * v if v.is_floating_point() else v
               for k, v in b_weights.items()}
    out = {k: v for k, v in b.items() if k != "ema"}   # B's EMA is dropped: only the blend ships
    out["model"] = blended
    out["blend"] = {"a": args.a, "b": args.b, "t": t,
                    "weights": {"a": args.a_weights, "b": args.b_weights}}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(out, args.out)
    print(f"wrote {args.out}: {1 - t:g} x {args.a} ({args.a_weights}) + {t:g} x {args.b} "
          f"({args.b_weights})")
