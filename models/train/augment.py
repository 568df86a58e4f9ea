#!/usr/bin/python3
"""Makes degraded copies of the real training crops (the training part of split.csv only).

Real plates have the glyph shapes, wear and camera look that rendered fonts lack, but there are only a
few hundred of them: each crop is copied several times with the changes a barrier camera adds (scale,
tilt, shear, crop margins, blur, noise, contrast, JPEG), and `platewatch cut-lines` cuts the copies like
any other picture. Writes PNGs and a list in cut-lines format. Deterministic for a given seed.
"""
import argparse
import os
import random
import sys

import numpy as np
from PIL import Image, ImageFilter

from render import jpeg


def variant(rng, img):
    w, h = img.size
    # Crop margins: from a little inside the plate edge to a little outside (edge pixels repeated).
    pad = int(max(w, h) * 0.1)
    big = Image.fromarray(np.pad(np.asarray(img), ((pad, pad), (pad, pad), (0, 0)), mode="edge"))
    angle = rng.gauss(0, 3.0)
    shear = rng.uniform(-0.12, 0.12)
    big = big.transform(big.size, Image.AFFINE, (1, shear, -shear * big.size[1] / 2, 0, 1, 0), Image.BILINEAR)
    big = big.rotate(angle, Image.BILINEAR)
    m = lambda n: int(n * rng.uniform(-0.03, 0.06))
    left, top, right, bottom = pad - m(w), pad - m(h), pad + w + m(w), pad + h + m(h)
    out = big.crop((left, top, right, bottom))
    # Scale: real crops are often upsampled from small plates; go down to 10-40 px glyphs and sometimes back up.
    scale = rng.uniform(0.08, 0.5) if h > 200 else rng.uniform(0.6, 1.3)
    small = out.resize((max(8, int(out.size[0] * scale)), max(8, int(out.size[1] * scale))), Image.BILINEAR)
    if rng.random() < 0.3:
        small = small.resize(out.size, Image.BICUBIC)
    if rng.random() < 0.5:
        small = small.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.0)))
    a = np.asarray(small).astype(np.float32)
    a = (a - 128) * rng.uniform(0.6, 1.2) + 128 + rng.uniform(-30, 30)
    a += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(0, 8), a.shape)
    return jpeg(a, rng.randint(25, 95))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", required=True, help="real-train.tsv from real.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    n = 0
    with open(args.list, encoding="utf-8") as rows, open(os.path.join(args.out, "list.tsv"), "w", encoding="utf-8") as listing:
        for row in rows:
            path, text, _ = row.rstrip("\n").split("\t")
            img = Image.open(path).convert("RGB")
            for k in range(args.copies):
                target = os.path.join(args.out, "aug%06d_%d.png" % (n, k))
                variant(rng, img).save(target)
                listing.write("%s\t%s\t1\n" % (target, text))
            n += 1
            if n % 200 == 0:
                print("augment: %d crops" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
