"""Fetch the real photographs listed in photos.json from Debian's archive into data/photos/.

    /usr/bin/python3 tools/demo-model/fetch_photos.py
    # -> data/photos/{train,heldout,blind,test}/*.jpg and data/photos/cutouts/*.png

Only `apt-get download` (the .deb files, nothing installed) and `dpkg-deb -x` are used, so it
works wherever apt works (run `apt-get update` first).  Each photo is converted to RGB and
scaled so its long side is at most --max-side px (the training crops never need more), then
saved as JPEG q 95.  The 'cutouts' split (Tux Paint's photo stamps: animals, plants and food
cut out of their photos) keeps its transparency and is saved as PNG.
data/photos/SOURCES.json records package versions and sha256 sums.
A photo with a 'member' is a file inside a Qt resource bundle (GCompris ships its images as
WebP inside .rcc files; qrc.py reads them).  A photo with a 'raw' is an uncompressed RGB array in
a compressed file (scipy ships its raccoon photo as bz2-compressed bytes, 768 x 1024 x 3).
"""
import argparse
import bz2
import hashlib
import io
import json
import os
import pwd
import subprocess
import tempfile
from collections import Counter

import numpy as np
from PIL import Image

from qrc import read_rcc
from synth import CUTOUT_SPLIT, PHOTO_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "photos.json")


def decode_photo(root, photo, bundles):
    """One manifest entry as a PIL image: a plain image file, a member of a .rcc bundle, or a
    raw array ('raw': {"compression": "bz2", "shape": [h, w, 3]})."""
    path = os.path.join(root, photo["path"])
    if "raw" in photo:
        raw = photo["raw"]
        if raw["compression"] != "bz2":
            raise ValueError(f"{photo['name']}: unknown compression {raw['compression']!r}")
        with open(path, "rb") as f:
            pixels = np.frombuffer(bz2.decompress(f.read()), np.uint8).reshape(raw["shape"])
        return Image.fromarray(pixels, "RGB")
    if "member" not in photo:
        with open(path, "rb") as f:
            return Image.open(io.BytesIO(f.read()))
    if path not in bundles:
        with open(path, "rb") as f:
            bundles[path] = read_rcc(f.read())
    return Image.open(io.BytesIO(bundles[path][photo["member"]]))


def load_photo(root, photo, bundles):
    """One manifest entry as RGB, or RGBA for a cut-out (it keeps its transparency)."""
    return decode_photo(root, photo, bundles).convert(
        "RGBA" if photo["split"] == CUTOUT_SPLIT else "RGB")


def let_apt_download_into(directory):
    """apt-get, run as root, downloads as its unprivileged _apt user; a folder that user cannot
    write makes it download as root with a warning per package.  Giving the folder to _apt keeps
    the sandbox (mode 755 alone did not: _apt must be able to write, not only to enter)."""
    os.chmod(directory, 0o755)
    if os.geteuid() != 0:
        return   # apt-get as a normal user downloads as that user
    try:
        os.chown(directory, pwd.getpwnam("_apt").pw_uid, -1)
    except KeyError:
        pass     # an apt without the _apt user does not sandbox downloads


def fetch(out_dir, max_side):
    with open(MANIFEST) as f:
        manifest = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        let_apt_download_into(tmp)
        root = os.path.join(tmp, "root")
        for pkg, version in manifest["packages"].items():
            # '=' pins the version the split and the card were made with; apt fails loudly if gone
            subprocess.run(["apt-get", "download", f"{pkg}={version}"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
        for deb in sorted(p for p in os.listdir(tmp) if p.endswith(".deb")):
            subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, deb), root], check=True)
        sources = []
        bundles = {}   # rcc path -> {member: bytes}, each bundle read once
        for p in manifest["photos"]:
            im = load_photo(root, p, bundles)
            s = min(1.0, max_side / max(im.size))
            if s < 1:
                im = im.resize((round(im.width * s), round(im.height * s)), Image.BILINEAR)
            fmt, ext, options = (("PNG", ".png", {}) if im.mode == "RGBA"   # a cut-out
                                 else ("JPEG", ".jpg", {"quality": 95}))
            dest = os.path.join(out_dir, p["split"], p["name"] + ext)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            im.save(dest + ".tmp", fmt, **options)
            os.replace(dest + ".tmp", dest)
            with open(dest, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            sources.append({**p, "file": os.path.relpath(dest, out_dir), "size": list(im.size),
                            "sha256": digest, "packageVersion": manifest["packages"][p["package"]]})
    with open(os.path.join(out_dir, "SOURCES.json"), "w") as f:
        json.dump(sources, f, indent=1)
    return sources


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=PHOTO_DIR)
    ap.add_argument("--max-side", type=int, default=1280)
    a = ap.parse_args()
    got = fetch(a.out, a.max_side)
    for split, count in Counter(s["split"] for s in got).items():   # in manifest order
        print(f"{split}: {count} photos -> {os.path.join(a.out, split)}")
