#!/usr/bin/python3
"""Renders synthetic plate pictures for training the plate OCR model.

Each picture is one plate as a barrier camera sees it after the locator: Vietnamese 1-line, 2-line and
motorbike plates in white/yellow/blue/red, Chinese blue plates with every province character, and generic
alphanumeric plates (US/EU-like), in several condensed bold sans fonts squeezed to plate proportions,
then degraded: small text (10-40 px), perspective and rotation, blur, noise, uneven light, IR night,
dirt, JPEG artefacts, border fragments and a margin of vehicle around a located plate.

Writes PNGs and a list (path, text lines joined by '|', tight-crop flag) that `platewatch cut-lines`
turns into line images. The text excludes separators ('-', '.', '·'): the reader drops them anyway, and
the model learns to pass over them instead of spending classes on them.

Deterministic: the same seed and count give the same files.
"""
import argparse
import io
import math
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "footage"))
from generate import CN_LETTERS, MILITARY, PLATE_COLOURS, VN_PROVINCES, VN_SERIES  # noqa: E402

# Condensed bold sans faces from Debian packages (see the Makefile's TRAIN_PACKAGES). Real plates use a
# tall condensed face; each face is also squeezed to plate proportions below.
LATIN_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Medium.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",
    "/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/clear-sans/ClearSans-Bold.ttf",
    "/usr/share/fonts/truetype/routed-gothic/routed-gothic-narrow.ttf",
]
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
# The 31 province characters of mainland plates (PLATES.md).
CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Glyphs:
    """Ink masks of single characters per font, cropped to their ink."""

    def __init__(self, paths):
        self.fonts = [ImageFont.truetype(p, 160) for p in paths]
        self.cache = {}

    def ink(self, font_index, ch, bold):
        key = (font_index, ch, bold)
        if key not in self.cache:
            font = self.fonts[font_index]
            img = Image.new("L", (400, 400), 0)
            ImageDraw.Draw(img).text((100, 60), ch, font=font, fill=255, stroke_width=bold, stroke_fill=255)
            box = img.getbbox()
            self.cache[key] = img.crop(box) if box else None
        return self.cache[key]


def plate_text(rng, kind):
    """Lines as printed (with separators) for one plate of `kind`."""
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))
    prov = "%02d" % rng.choice(VN_PROVINCES)
    if kind == "vn1":
        series = rng.choice(VN_SERIES) + (rng.choice(VN_SERIES) if rng.random() < 0.15 else "")
        if rng.random() < 0.06:
            return [rng.choice(MILITARY) + "-" + digits(2) + "-" + digits(2)]
        d = digits(5) if rng.random() < 0.75 else digits(4)
        return [prov + series + "-" + (d[:3] + "." + d[3:] if len(d) == 5 else d)]
    if kind == "vn2":
        d = digits(5) if rng.random() < 0.8 else digits(4)
        return [prov + rng.choice(VN_SERIES) + (rng.choice(VN_SERIES) if rng.random() < 0.1 else ""),
                d[:3] + "." + d[3:] if len(d) == 5 else d]
    if kind == "moto":
        second = rng.choice(VN_SERIES) if rng.random() < 0.2 else str(rng.randint(1, 9))
        d = digits(5) if rng.random() < 0.7 else digits(4)
        return [prov + "-" + rng.choice(VN_SERIES) + second, d[:3] + "." + d[3:] if len(d) == 5 else d]
    if kind == "cn":
        body = [rng.choice("0123456789") for _ in range(5)]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            body[rng.randrange(5)] = rng.choice(CN_LETTERS)
        return [rng.choice(CN_PROVINCES) + rng.choice(CN_LETTERS) + "·" + "".join(body)]
    # Generic: US/EU-like runs of letters and digits, sometimes split by a gap or dash.
    n = rng.randint(5, 8)
    text = "".join(rng.choice(ALNUM) for _ in range(n))
    if rng.random() < 0.4:
        cut = rng.randint(2, n - 2)
        text = text[:cut] + rng.choice([" ", "-", " "]) + text[cut:]
    return [text]


# Plate geometry in mm: size, line centres (fraction of height), glyph height, width/height of a glyph.
GEOMETRY = {
    "vn1": ((520, 110), [0.5], 72, 0.57),
    "vn2": ((330, 165), [0.275, 0.725], 55, 0.58),
    "moto": ((190, 140), [0.272, 0.728], 47, 0.53),
    "cn": ((440, 140), [0.5], 86, 0.53),
    "gen": ((520, 110), [0.5], 70, 0.55),
}


def colours(rng, kind):
    if kind == "cn":
        return (22, 64, 160), (242, 242, 242)
    if kind == "gen":
        if rng.random() < 0.8:
            bg = tuple(rng.randint(170, 255) for _ in range(3))
            fg = tuple(rng.randint(0, 90) for _ in range(3))
        else:
            bg = tuple(rng.randint(0, 80) for _ in range(3))
            fg = tuple(rng.randint(190, 255) for _ in range(3))
        return bg, fg
    name = rng.choices(["white", "yellow", "blue", "red"], [0.6, 0.2, 0.12, 0.08])[0]
    return PLATE_COLOURS[name][:2]


def render_plate(rng, glyphs, kind, lines, ppm):
    """The plate face at `ppm` pixels per mm, RGB."""
    (wmm, hmm), centres, gh, aspect = GEOMETRY[kind]
    bg, fg = colours(rng, kind)
    W, H = int(wmm * ppm), int(hmm * ppm)
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    if rng.random() < 0.85:
        inset = rng.uniform(0.01, 0.04) * hmm * ppm
        d.rounded_rectangle([inset, inset, W - 1 - inset, H - 1 - inset], radius=0.06 * hmm * ppm,
                            outline=fg, width=max(2, int(rng.uniform(0.02, 0.045) * hmm * ppm)))
    font = rng.randrange(len(glyphs["latin"].fonts))
    bold = rng.choice([0, 0, 1, 2, 3])
    aspect *= rng.uniform(0.8, 1.2)
    gh_line = gh * (rng.uniform(0.85, 1.0) if len(lines) == 1 else rng.uniform(0.85, 1.0))
    gap = gh_line * rng.uniform(0.06, 0.16)
    for text, cy in zip(lines, centres):
        cy = (cy + rng.uniform(-0.02, 0.02)) * hmm
        tokens = []
        for ch in text:
            if ch == " ":
                tokens.append((ch, gh_line * aspect * 0.6))
            elif ch in "-.·":
                tokens.append((ch, gh_line * (0.3 if ch == "-" else 0.14)))
            elif ord(ch) > 0x2E80:
                tokens.append((ch, gh_line * 0.9))
            else:
                tokens.append((ch, gh_line * aspect))
        total = sum(w for _, w in tokens) + gap * (len(tokens) - 1)
        scale = min(1.0, (wmm * 0.92) / total)
        x = (wmm - total * scale) / 2
        ghs = gh_line * min(1.0, scale * 1.1)
        top = cy - ghs / 2
        for ch, w in tokens:
            w *= scale
            if ch == "-":
                th = ghs * 0.1
                d.rectangle([x * ppm, (cy - th / 2) * ppm, (x + w) * ppm, (cy + th / 2) * ppm], fill=fg)
            elif ch == ".":
                d.ellipse([x * ppm, (top + ghs - w) * ppm, (x + w) * ppm, (top + ghs) * ppm], fill=fg)
            elif ch == "·":
                d.ellipse([x * ppm, (cy - w / 2) * ppm, (x + w) * ppm, (cy + w / 2) * ppm], fill=fg)
            elif ch != " ":
                cjk = ord(ch) > 0x2E80
                ink = glyphs["cjk"].ink(rng.randrange(len(glyphs["cjk"].fonts)), ch, 2) if cjk \
                    else glyphs["latin"].ink(font, ch, bold)
                if ink is not None:
                    # Narrow glyphs (1, I) keep their own width; the rest fill the plate's glyph box.
                    natural = ink.size[0] / ink.size[1] * ghs
                    gw = min(w, natural * (1.0 if cjk else 1.25))
                    pw, ph = max(1, int(gw * ppm)), max(1, int(ghs * ppm))
                    img.paste(fg, (int((x + (w - gw) / 2) * ppm), int(top * ppm)), ink.resize((pw, ph), Image.LANCZOS))
            x += w + gap * scale
    if rng.random() < 0.3:  # screws / rivets
        for sx in (0.2, 0.8):
            r = 0.04 * hmm * ppm
            cx, cy = sx * W, rng.uniform(0.08, 0.15) * H
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(max(0, c - 60) for c in bg))
    return img


def degrade(rng, plate, tight, text_px, night, glyph_fraction):
    """The plate as a small camera picture: perspective, blur, light, noise, compression."""
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    W, H = plate.size
    # A margin of vehicle around the plate for located regions; a few pixels for tight crops.
    mx = int(W * (rng.uniform(0.0, 0.04) if tight else rng.uniform(0.08, 0.3)))
    my = int(H * (rng.uniform(0.0, 0.06) if tight else rng.uniform(0.15, 0.6)))
    body = tuple(rng.randint(0, 255) for _ in range(3))
    canvas = Image.new("RGB", (W + 2 * mx, H + 2 * my), body)
    noise = nrng.normal(0, rng.uniform(2, 30), (canvas.size[1] // 8 + 1, canvas.size[0] // 8 + 1))
    texture = Image.fromarray(np.clip(128 + noise, 0, 255).astype(np.uint8)).resize(canvas.size, Image.BILINEAR)
    canvas = Image.blend(canvas, Image.merge("RGB", [texture] * 3), 0.3)
    canvas.paste(plate, (mx, my))
    # Perspective: corners moved by up to a few percent, plus rotation up to ±12°.
    cw, ch = canvas.size
    j = lambda s: rng.uniform(-s, s)
    k = rng.uniform(0.0, 0.08)
    quad = [j(k) * cw, j(k) * ch, j(k) * cw, ch + j(k) * ch, cw + j(k) * cw, ch + j(k) * ch, cw + j(k) * cw, j(k) * ch]
    canvas = canvas.transform(canvas.size, Image.QUAD, quad, Image.BILINEAR, fillcolor=body)
    if rng.random() < 0.7:
        canvas = canvas.rotate(rng.gauss(0, 4.5), Image.BILINEAR, expand=not tight, fillcolor=body)
    if tight:
        # Dataset crops are cut to the plate, sometimes a little inside or outside its edge.
        cw, ch = canvas.size
        cut = lambda n: int(n * rng.uniform(-0.01, 0.03))
        canvas = canvas.crop((cut(cw), cut(ch), cw - cut(cw), ch - cut(ch)))
    # Scale so that glyphs are text_px tall.
    scale = text_px / (glyph_fraction * H)
    size = (max(8, int(canvas.size[0] * scale)), max(8, int(canvas.size[1] * scale)))
    small = canvas.resize(size, Image.BILINEAR if rng.random() < 0.5 else Image.LANCZOS)
    if rng.random() < 0.6:
        small = small.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.1)))
    if rng.random() < 0.15:  # horizontal motion blur
        small = small.filter(ImageFilter.Kernel((5, 5), [0] * 10 + [1] * 5 + [0] * 10, 5))
    a = np.asarray(small).astype(np.float32)
    if night:
        a = a.mean(axis=2, keepdims=True).repeat(3, axis=2)
        a = 40 + (a - a.min()) / max(1.0, a.max() - a.min()) * rng.uniform(120, 215)
    # Uneven light: a linear gradient across the plate, and sometimes a shadow band.
    hh, ww = a.shape[:2]
    gx = np.linspace(rng.uniform(0.5, 1.2), rng.uniform(0.5, 1.2), ww)[None, :, None]
    gy = np.linspace(rng.uniform(0.7, 1.1), rng.uniform(0.7, 1.1), hh)[:, None, None]
    a = a * gx * gy
    if rng.random() < 0.25:  # dirt: dark blotches
        for _ in range(rng.randint(1, 6)):
            cx, cy, r = rng.uniform(0, ww), rng.uniform(0, hh), rng.uniform(1, max(2, hh / 5))
            yy, xx = np.ogrid[:hh, :ww]
            mask = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None]
            a = np.where(mask, a * rng.uniform(0.4, 0.8), a)
    a = a + nrng.normal(0, rng.uniform(0, 12), a.shape)
    return jpeg(a, rng.randint(15, 90))


def jpeg(pixels, quality):
    """The picture after a JPEG round trip at `quality`: the blocking and ringing of camera streams."""
    buf = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()
    missing = [f for f in LATIN_FONTS + CJK_FONTS if not os.path.exists(f)]
    if missing:
        sys.exit("missing fonts (run `make model`, which installs them): " + ", ".join(missing))
    glyphs = {"latin": Glyphs(LATIN_FONTS), "cjk": Glyphs(CJK_FONTS)}
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    kinds = ["vn1", "vn2", "moto", "cn", "gen"]
    weights = [0.3, 0.15, 0.27, 0.13, 0.15]
    with open(os.path.join(args.out, "list.tsv"), "w", encoding="utf-8") as listing:
        for i in range(args.count):
            kind = rng.choices(kinds, weights)[0]
            lines = plate_text(rng, kind)
            text_px = math.exp(rng.uniform(math.log(10), math.log(40)))
            (_, hmm), _, gh, _ = GEOMETRY[kind]
            # Drawn at three times the final size, then shrunk: enough for anti-aliasing, quick to draw.
            plate = render_plate(rng, glyphs, kind, lines, ppm=3 * text_px / gh)
            tight = rng.random() < 0.5
            picture = degrade(rng, plate, tight, text_px, night=rng.random() < 0.15, glyph_fraction=gh / hmm)
            path = os.path.join(args.out, "plate%06d.png" % i)
            picture.save(path)
            truth = "|".join("".join(c for c in line if c not in "-.· ") for line in lines)
            listing.write("%s\t%s\t%d\n" % (path, truth, 1 if tight else 0))
            if i % 1000 == 0:
                print("render: %d/%d" % (i, args.count), file=sys.stderr)


if __name__ == "__main__":
    main()
