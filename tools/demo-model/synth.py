"""Synthetic "shapes" instance-segmentation data for the maskserve demo model.

Every sample is a pure function of (seed, index): the training stream and the
held-out set are reproducible bit for bit.  Ground-truth masks come from the
same binary rasterisation that paints the pixels (no anti-aliasing), so they
are exact; JPEG compression happens afterwards and never touches the masks.

    /usr/bin/python3 tools/demo-model/synth.py --out data/shapes-heldout --count 200 --seed 20261122
"""
import argparse
import glob
import io
import json
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# Label ids 1..6 in this order; 0 is background (ONNX zoo convention).
CLASSES = ["circle", "triangle", "square", "star", "hexagon", "ring"]
HERE = os.path.dirname(os.path.abspath(__file__))
# Real photographs from Debian packages, fetched by fetch_photos.py (see photos.json): the
# training photos, and real objects cut out of their photos (Tux Paint's stamps).
PHOTO_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "data", "photos")
CUTOUT_SPLIT = "cutouts"   # photos.json split of objects on a transparent background (PNG)
PHOTO_GLOB = os.path.join(PHOTO_DIR, "train", "*.jpg")
CUTOUT_GLOB = os.path.join(PHOTO_DIR, CUTOUT_SPLIT, "*.png")

MIN_VISIBLE_FRAC = 0.3   # drop instances occluded below 30 % of their own area ...
MIN_VISIBLE_PX = 40      # ... or left with fewer pixels than this
MIN_CONTRAST = 0.3       # L1 RGB distance (0..3) between a fill and what lies beneath it


def photo_files(pattern=PHOTO_GLOB):
    """The files matching a glob of photos or cut-outs (sorted: order must not depend on the FS)."""
    files = sorted(glob.glob(pattern))
    if not files:
        raise SystemExit(f"no photos match {pattern}: run tools/demo-model/fetch_photos.py first")
    return files


def load_photos(files, mode="RGB"):
    """Each file decoded: [h, w, 3] uint8 RGB, or [h, w, 4] RGBA for cut-outs (alpha 0 around
    the object)."""
    return [np.asarray(Image.open(p).convert(mode)) for p in files]


def read_photo_list(path):
    """The photo names in a list file such as mined-stage10.txt (one per line, # comments)."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


# ----------------------------------------------------------------------------- shapes
def ngon(n, radius, phase=0.0, radii=None):
    """[n, 2] vertices of a regular n-gon around the origin (radii: one radius per vertex)."""
    t = phase + 2 * math.pi * np.arange(n) / n
    rr = radius if radii is None else radii
    return np.stack([rr * np.cos(t), rr * np.sin(t)], 1)


def _polygon(kind, rng, cx, cy, r, aspect, angle):
    """Outline(s) of one shape as float (x, y) vertex lists: [outer] or [outer, hole]."""
    if kind == "circle":
        pts = [ngon(96, 1.0)]
    elif kind == "triangle":
        p = ngon(3, 1.0, -math.pi / 2)
        p += rng.uniform(-0.12, 0.12, p.shape)   # mild irregularity, still clearly a triangle
        pts = [p]
    elif kind == "square":
        pts = [ngon(4, 1.0, math.pi / 4)]
    elif kind == "star":
        n = 5
        inner = rng.uniform(0.38, 0.5)
        radii = np.where(np.arange(2 * n) % 2 == 0, 1.0, inner)
        pts = [ngon(2 * n, 1.0, -math.pi / 2, radii)]
    elif kind == "hexagon":
        pts = [ngon(6, 1.0)]
    elif kind == "ring":
        pts = [ngon(96, 1.0), ngon(96, rng.uniform(0.4, 0.68))]
    else:
        raise ValueError(kind)
    ca, sa = math.cos(angle), math.sin(angle)
    out = []
    for p in pts:
        p = p * np.array([r * aspect, r / aspect])  # aspect change before rotation
        x = p[:, 0] * ca - p[:, 1] * sa + cx
        y = p[:, 0] * sa + p[:, 1] * ca + cy
        out.append(list(zip(x.tolist(), y.tolist())))
    return out


def _rasterise(polys, w, h):
    """Binary mask (bool [h, w]) of an outer polygon minus an optional hole."""
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    d.polygon(polys[0], fill=1)
    if len(polys) > 1:
        d.polygon(polys[1], fill=0)
    return np.asarray(im, dtype=bool)


# ------------------------------------------------------------------------ textures
def _smooth_noise(rng, h, w, cells):
    """Low-frequency noise in [0, 1]: a small random grid bilinearly upsampled."""
    g = rng.random((cells, cells, 3)).astype(np.float32)
    im = Image.fromarray((g * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
    return np.asarray(im, np.float32) / 255.0


def _gradient(rng, h, w):
    c0, c1 = rng.random(3), rng.random(3)
    a = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = xx * math.cos(a) + yy * math.sin(a)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
    return (c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]).astype(np.float32)


def _photo_crop(rng, photos, h, w, min_fraction=0.25):
    p = photos[rng.integers(len(photos))]
    ph, pw = p.shape[:2]
    s = rng.uniform(min_fraction, 1.0)           # crop a random fraction, then resize
    ch, cw = max(16, int(ph * s)), max(16, int(pw * s))
    y0, x0 = rng.integers(0, ph - ch + 1), rng.integers(0, pw - cw + 1)
    crop = Image.fromarray(p[y0:y0 + ch, x0:x0 + cw]).resize((w, h), Image.BILINEAR)
    out = np.asarray(crop, np.float32) / 255.0
    return out[:, ::-1] if rng.random() < 0.5 else out


def _background(rng, photos, h, w, photo_share=0.45):
    kind = rng.random()
    if kind < photo_share and photos:
        bg = _photo_crop(rng, photos, h, w)
        if rng.random() < 0.3:                   # photo tinted by a gradient
            bg = 0.7 * bg + 0.3 * _gradient(rng, h, w)
    elif kind < photo_share + 0.25:
        bg = _gradient(rng, h, w)
    elif kind < photo_share + 0.45:
        bg = _smooth_noise(rng, h, w, int(rng.integers(2, 12)))
    else:
        bg = np.broadcast_to(rng.random(3).astype(np.float32), (h, w, 3)).copy()
    if rng.random() < 0.4:                       # sensor-ish noise (sparingly: it bloats JPEGs)
        bg = bg + rng.normal(0, rng.uniform(0.005, 0.04), bg.shape).astype(np.float32)
    return bg


def _fill(rng, h, w):
    """Texture for one shape: flat colour, gradient, or colour + noise."""
    base = rng.random(3).astype(np.float32)
    k = rng.random()
    if k < 0.5:
        return np.broadcast_to(base, (h, w, 3))
    if k < 0.8:
        return _gradient(rng, h, w)
    return np.clip(base + 0.35 * (_smooth_noise(rng, h, w, int(rng.integers(3, 16))) - 0.5), 0, 1)


def _paste_cutouts(rng, img, cutouts, count, side_range=(0.1, 1.0)):
    """Paste `count` real objects (animals, flowers, fruit cut out of photos) onto img [h, w, 3].

    They are what a drawn shape is not: a photographed texture (fur, feathers, petals, peel)
    inside an outline, often a compact one with a hard edge.  Each is flipped, rotated,
    recoloured a little and scaled so its long side is a log-uniform share (side_range) of the
    image's short side; it may poke out of the frame.  Half of them get a softened edge, as a
    real object in a photo has, the rest keep the cut's hard edge.
    """
    h, w = img.shape[:2]
    for _ in range(count):
        obj = Image.fromarray(cutouts[rng.integers(len(cutouts))])
        if rng.random() < 0.5:
            obj = obj.transpose(Image.FLIP_LEFT_RIGHT)
        obj = obj.rotate(rng.uniform(-30, 30), resample=Image.BILINEAR, expand=True)
        side = min(h, w) * math.exp(rng.uniform(math.log(side_range[0]), math.log(side_range[1])))
        s = side / max(obj.size)
        size = (max(2, round(obj.width * s)), max(2, round(obj.height * s)))
        obj = obj.resize(size, Image.BILINEAR)
        if rng.random() < 0.5:
            soft = ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5))
            obj.putalpha(obj.getchannel("A").filter(soft))
        rgba = np.asarray(obj, np.float32) / 255.0
        rgb = np.clip(rgba[..., :3] * rng.uniform(0.75, 1.25, 3).astype(np.float32), 0, 1)
        oh, ow = rgba.shape[:2]
        # top-left corner: up to a third of the object may lie outside the frame on any side
        x0 = int(rng.integers(-ow // 3, w - 2 * ow // 3))
        y0 = int(rng.integers(-oh // 3, h - 2 * oh // 3))
        # the part of the object inside the frame: object rows/cols [oy0, oy1) x [ox0, ox1)
        oy0, ox0 = max(0, -y0), max(0, -x0)
        oy1, ox1 = min(oh, h - y0), min(ow, w - x0)
        if oy1 <= oy0 or ox1 <= ox0:
            continue
        alpha = rgba[oy0:oy1, ox0:ox1, 3:]
        region = img[y0 + oy0:y0 + oy1, x0 + ox0:x0 + ox1]
        region[:] = alpha * rgb[oy0:oy1, ox0:ox1] + (1 - alpha) * region
    return img


def _paste_crowd(rng, img, cutouts):
    """A crowd of small look-alikes pasted onto img [h, w, 3]: 12-48 copies of 1-3 cut-outs, each
    4-15 % of the short side, as in a flower bed, a pebble beach or a fruit stall.  Many similar
    compact outlines side by side is what a page of drawn shapes looks like, so the model must
    see it in photos that hold no shape."""
    kinds = [cutouts[i] for i in rng.integers(len(cutouts), size=int(rng.integers(1, 4)))]
    return _paste_cutouts(rng, img, kinds, int(rng.integers(12, 49)), side_range=(0.04, 0.15))


# ------------------------------------------------------------------------- sample
def make_sample(seed, index, width, height, photos, max_objects=10, photo_share=0.45,
                cutouts=(), distractor_share=0.0):
    """One image + its instances.

    Returns (rgb uint8 [h, w, 3], list of (label_id, bool mask [h, w])) in
    back-to-front order.  Masks are the visible parts only.  photo_share: the fraction of
    backgrounds that are photo crops (the rest: gradients, smooth noise, flat colours).
    distractor_share: the fraction of images whose background gets 1-4 real objects from
    `cutouts` (never targets; the shapes are drawn over them).
    """
    rng = np.random.default_rng([seed, index])
    h, w = height, width
    img = _background(rng, photos, h, w, photo_share)
    if distractor_share > 0:                     # its own stream: the shapes stay as they were
        extra = np.random.default_rng([seed, index, 3])
        if extra.random() < distractor_share:
            img = _paste_cutouts(extra, img, cutouts, int(extra.integers(1, 5)))
    short = min(h, w)
    n = int(rng.integers(1, max_objects + 1))
    shapes = []
    for _ in range(n):
        label = int(rng.integers(1, len(CLASSES) + 1))
        # log-uniform size: small (8 % of the short side) to large (55 %)
        r = short * math.exp(rng.uniform(math.log(0.04), math.log(0.275)))
        aspect = math.exp(rng.uniform(-0.3, 0.3))
        angle = rng.uniform(0, 2 * math.pi)
        cx = rng.uniform(0.5 * r, w - 0.5 * r)   # may poke a little out of the frame
        cy = rng.uniform(0.5 * r, h - 0.5 * r)
        m = _rasterise(_polygon(CLASSES[label - 1], rng, cx, cy, r, aspect, angle), w, h)
        if m.sum() < MIN_VISIBLE_PX:
            continue
        ys, xs = np.nonzero(m)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        sub = m[y0:y1, x0:x1]
        under = img[y0:y1, x0:x1][sub].mean(0)
        for _ in range(6):                       # re-draw fills that vanish into what is behind
            tex = _fill(rng, y1 - y0, x1 - x0)
            if np.abs(tex[sub].mean(0) - under).sum() > MIN_CONTRAST:
                break
        img[y0:y1, x0:x1][sub] = tex[sub]
        shapes.append((label, m))
    # visible part = own mask minus everything painted later (in front)
    instances, cover = [], np.zeros((h, w), bool)
    for label, m in reversed(shapes):
        vis = m & ~cover
        cover |= m
        if vis.sum() >= max(MIN_VISIBLE_PX, MIN_VISIBLE_FRAC * m.sum()):
            instances.append((label, vis))
    instances.reverse()
    if rng.random() < 0.3:                       # global brightness/contrast jitter
        img = (img - 0.5) * rng.uniform(0.7, 1.2) + 0.5 + rng.uniform(-0.1, 0.1)
    rgb = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    return rgb, instances


def _see_through(rng, photos, h, w):
    """[h, w, 3] float: a far scene seen through the gaps of something near.

    The near thing is a lattice of thin bars (pylons, launch towers, fences, window grids) or
    foliage (thresholded smooth noise), over a vertical band or the whole frame.  Its gaps are
    hard-edged regions of flat sky: they look like drawn squares, triangles and stars, but their
    fill continues the scene around them, which no drawn shape does (make_sample redraws a fill
    that matches what is behind it).
    """
    if rng.random() < 0.5:                       # sky: a gradient or a flat colour, or a photo
        far = _gradient(rng, h, w) if rng.random() < 0.6 else \
            np.broadcast_to(rng.random(3).astype(np.float32), (h, w, 3)).copy()
    else:
        far = _photo_crop(rng, photos, h, w)
    near = _photo_crop(rng, photos, h, w)
    if rng.random() < 0.7:                       # lattice: two or three families of bars
        if rng.random() < 0.5:                   # steel against the light: dark flat bars
            near = np.broadcast_to((rng.random(3) * 0.5).astype(np.float32), (h, w, 3))
        spacing, bar = rng.uniform(10, 60), rng.uniform(1, 4)
        first = rng.uniform(0, math.pi)
        angles = [first, first + rng.uniform(math.pi / 4, 3 * math.pi / 4)]
        if rng.random() < 0.3:
            angles.append(rng.uniform(0, math.pi))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        solid = np.zeros((h, w), bool)
        for a in angles:
            u = xx * math.cos(a) + yy * math.sin(a) + rng.uniform(0, spacing)
            solid |= np.mod(u, spacing) < bar
    else:                                        # foliage: blobs of leaves with sky between
        noise = _smooth_noise(rng, h, w, int(rng.integers(6, 24)))[..., 0]
        solid = noise < np.quantile(noise, rng.uniform(0.4, 0.8))
    if rng.random() < 0.6:                       # the structure fills a band, with open sky beside it
        x0 = int(rng.integers(0, w // 2))
        x1 = int(rng.integers(x0 + w // 4, w + 1))
        solid[:, :x0] = False
        solid[:, x1:] = False
    return np.where(solid[..., None], near, far)


def _bokeh(rng, photos, h, w):
    """[h, w, 3] float: an out-of-focus background with bright highlights, as behind a portrait.

    A defocused light source is a disc (or the aperture's polygon: pentagon, hexagon) of light
    added to the blurred scene, sometimes with a brighter rim.  It has a hard-ish edge and a flat
    fill, like a drawn circle or hexagon, but it is translucent: the scene shows through and
    overlapping discs add up, where a drawn shape covers what is behind it.  Part of the frame
    may stay sharp (the subject in focus in front).
    """
    sharp = _photo_crop(rng, photos, h, w)
    blurred = np.asarray(Image.fromarray((sharp * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(3, 12))), np.float32) / 255.0
    light = np.zeros((h, w, 3), np.float32)
    short = min(h, w)
    # a round aperture (drawn as a 47-gon) or one of 5-8 blades
    sides = 47 if rng.random() < 0.6 else int(rng.choice([5, 6, 7, 8]))
    for _ in range(int(rng.integers(4, 40))):
        r = short * rng.uniform(0.02, 0.12)
        centre = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        disc = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(disc)
        draw.polygon((ngon(sides, r) + centre).ravel().tolist(), fill=255)   # x0, y0, x1, y1, ...
        if rng.random() < 0.3:                   # brighter rim (onion-ring bokeh)
            draw.polygon((ngon(sides, 0.8 * r) + centre).ravel().tolist(), fill=150)
        disc = disc.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
        d = np.asarray(disc, np.float32) / 255.0 * rng.uniform(0.08, 0.45)
        light += d[..., None] * (0.6 + 0.4 * rng.random(3)).astype(np.float32)   # a pale tint
    img = blurred + light            # light adds: overlaps brighten, the scene shows through
    if rng.random() < 0.5:                       # the subject in focus, in front of the highlights
        noise = _smooth_noise(rng, h, w, int(rng.integers(2, 6)))[..., 0]
        front = noise < np.quantile(noise, rng.uniform(0.2, 0.6))
        img = np.where(front[..., None], sharp, img)
    return img


def make_negative(seed, index, width, height, photos, whole_share=0.0, see_through_share=0.0,
                  bokeh_share=0.0, mined=(), mined_share=0.0, cutouts=(), cutout_share=0.0,
                  crowd_share=0.0):
    """A hard negative: a real photo crop (close-ups to whole photos) with no shape in it.

    Real round things (cups, coins, flowers, wheels) must not become "circle"/"ring": the
    model learns that a shape is drawn (flat, gradient or noise fill, hard edge), not found.
    whole_share: the fraction that shows the whole photo, as users upload it (a crop of a random
    10-100 % is the whole photo almost never, and whole photos gave the most false alarms).
    see_through_share: the fraction that shows a scene through a lattice or foliage (_see_through).
    bokeh_share: the fraction that shows out-of-focus highlights (_bokeh).
    mined, mined_share: training photos the model still fired on, and the fraction of negatives
    taken from them rather than from all photos.
    cutouts, cutout_share: real objects cut out of photos, and the fraction of negatives that
    get 1-6 of them pasted on (_paste_cutouts).
    crowd_share: the fraction of negatives that get a crowd of small cut-outs (_paste_crowd).
    """
    rng = np.random.default_rng([seed, index, 2])   # its own stream: make_sample's is untouched
    # no draw at a share of 0, so earlier stages replay exactly
    whole = whole_share > 0 and rng.random() < whole_share
    if mined_share > 0 and rng.random() < mined_share:
        photos = mined
    if see_through_share > 0 and rng.random() < see_through_share:
        img = _see_through(rng, photos, height, width)
    elif bokeh_share > 0 and rng.random() < bokeh_share:
        img = _bokeh(rng, photos, height, width)
    else:
        img = _photo_crop(rng, photos, height, width, min_fraction=1.0 if whole else 0.1)
    if cutout_share > 0 and rng.random() < cutout_share:
        img = _paste_cutouts(rng, img, cutouts, int(rng.integers(1, 7)))
    if crowd_share > 0 and rng.random() < crowd_share:
        img = _paste_crowd(rng, img, cutouts)
    if rng.random() < 0.2:
        img = 0.8 * img + 0.2 * _gradient(rng, height, width)
    if rng.random() < 0.3:
        img = img + rng.normal(0, rng.uniform(0.005, 0.03), img.shape).astype(np.float32)
    if rng.random() < 0.4:                       # the same brightness/contrast jitter as make_sample
        img = (img - 0.5) * rng.uniform(0.7, 1.2) + 0.5 + rng.uniform(-0.1, 0.1)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def jpeg_roundtrip(rgb, quality):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


# --------------------------------------------------------------------- COCO output
def rle_encode(mask):
    """Uncompressed COCO RLE: column-major run lengths starting with a 0-run."""
    flat = np.asarray(mask, np.uint8).flatten(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat[0] == 1:
        runs = [0] + runs
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": runs}


def rle_decode(rle):
    h, w = rle["size"]
    flat = np.zeros(h * w, np.uint8)
    pos, val = 0, 0
    for c in rle["counts"]:
        flat[pos:pos + c] = val
        pos += c
        val ^= 1
    return flat.reshape((w, h)).T.astype(bool)


def draw_size(rng, min_side=256, max_side=640):
    """(width, height) of a held-out-style image: each a multiple of 8 in [min_side, max_side]."""
    w, h = (int(v) for v in rng.integers(min_side // 8, max_side // 8 + 1, 2) * 8)
    return w, h


def write_coco(out_dir, count, seed, min_side=256, max_side=640, quality=85, photos_glob=PHOTO_GLOB):
    photos = load_photos(photo_files(photos_glob))
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    images, anns = [], []
    size_rng = np.random.default_rng([seed, 10**9])  # image sizes: separate stream
    for i in range(count):
        w, h = draw_size(size_rng, min_side, max_side)
        rgb, inst = make_sample(seed, i, w, h, photos)
        name = f"shapes_{i:04d}.jpg"
        Image.fromarray(rgb).save(os.path.join(out_dir, "images", name), "JPEG", quality=quality)
        images.append({"id": i + 1, "file_name": name, "width": w, "height": h})
        for label, m in inst:
            ys, xs = np.nonzero(m)
            x0, y0 = int(xs.min()), int(ys.min())
            anns.append({
                "id": len(anns) + 1, "image_id": i + 1, "category_id": label, "iscrowd": 0,
                "area": int(m.sum()),
                "bbox": [x0, y0, int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0],
                "segmentation": rle_encode(m),
            })
    coco = {
        "info": {"description": "maskserve synthetic shapes held-out set",
                 "generator": "tools/demo-model/synth.py", "seed": seed},
        "licenses": [{"id": 1, "name": "Apache-2.0"}],
        "categories": [{"id": k + 1, "name": n, "supercategory": "shape"}
                       for k, n in enumerate(CLASSES)],
        "images": images, "annotations": anns,
    }
    with open(os.path.join(out_dir, "instances.json"), "w") as f:
        json.dump(coco, f, separators=(",", ":"))
    return coco


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default="data/shapes-heldout")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261122)  # training uses a different seed
    ap.add_argument("--quality", type=int, default=85)
    ap.add_argument("--photos", default=PHOTO_GLOB, help="glob of background photos")
    a = ap.parse_args()
    c = write_coco(a.out, a.count, a.seed, quality=a.quality, photos_glob=a.photos)
    print(f"{len(c['images'])} images, {len(c['annotations'])} instances -> {a.out}")
