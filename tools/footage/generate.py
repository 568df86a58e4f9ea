#!/usr/bin/python3
"""Deterministic synthetic barrier-camera footage with licence-plate ground truth.

Renders 8 short clips (4 x 1280x720, 4 x 1920x1080, 25 fps, 2 of them at night)
of vehicles approaching a barrier camera, one after another, with Vietnamese
(1-line, 2-line, motorbike) and Chinese truck plates, and writes for each clip
an .mp4 (H.264 via the ffmpeg CLI) and a .json with the per-frame plate boxes
for the frames where the plate is readable.

Run from the repository root:

    /usr/bin/python3 tools/footage/generate.py --out testvideos

Needs Debian's python3 with PIL and numpy, the ffmpeg CLI (libx264) and the
DejaVu / WenQuanYi fonts. Fixed seeds everywhere: a rerun gives the same bytes.
See tools/footage/README.md.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"
FONT_CJK = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FPS = 25
MASTER_SEED = 20240611
MIN_CHAR_PX = 16.0          # readable: character height >= this many pixels
MIN_READABLE_FRAMES = 28    # each vehicle is readable at least this long
RESAMPLE = Image.LANCZOS

# --------------------------------------------------------------------------
# Clip list. Plate kinds:
#   A  VN 1-line white, 5 digits     B  VN 1-line white, legacy 4 digits
#   Y1 VN 1-line yellow (truck)      BL1 VN 1-line blue (state)
#   R  VN 1-line red (military)      C  VN 2-line white
#   Y2 VN 2-line yellow (truck)      BL2 VN 2-line blue
#   M  VN motorbike                  CN Chinese blue truck plate
# --------------------------------------------------------------------------
CLIPS = [
    dict(name="clip01_day_720p", size=(1280, 720), camera="barrier1-in", night=False,
         kinds="A A A B C M M", tilt_p=0.3, blur_p=0.15, light=1.00),
    dict(name="clip02_day_1080p", size=(1920, 1080), camera="barrier1-in", night=False,
         kinds="A A Y1 C C M CN", tilt_p=0.3, blur_p=0.2, light=1.03),
    dict(name="clip03_day_tilt_720p", size=(1280, 720), camera="barrier2-in", night=False,
         kinds="A BL1 R C C M M", tilt_p=0.85, blur_p=0.15, light=0.96),
    dict(name="clip04_night_720p", size=(1280, 720), camera="barrier2-in", night=True,
         kinds="A A B C C M M", tilt_p=0.3, blur_p=0.15, light=1.0),
    dict(name="clip05_day_blur_1080p", size=(1920, 1080), camera="border-gate-in", night=False,
         kinds="A A Y1 C Y2 M CN", tilt_p=0.3, blur_p=0.7, light=0.92),
    dict(name="clip06_night_1080p", size=(1920, 1080), camera="border-gate-in", night=True,
         kinds="A A B C C M M", tilt_p=0.3, blur_p=0.2, light=1.0),
    dict(name="clip07_day_trucks_720p", size=(1280, 720), camera="border-gate-in", night=False,
         kinds="A Y1 Y2 BL2 CN CN CN", tilt_p=0.4, blur_p=0.25, light=1.05),
    dict(name="clip08_day_1080p", size=(1920, 1080), camera="barrier3-in", night=False,
         kinds="B BL1 R C C M M", tilt_p=0.4, blur_p=0.25, light=0.98),
]

VN_SERIES = "ABCDEFGHKLMNPSTUVXYZ"
VN_PROVINCES = [11, 12, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34,
                35, 36, 37, 38, 43, 47, 48, 49, 50, 51, 59, 60, 61, 62, 63, 64, 65, 66, 67,
                68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 81, 82, 83, 84, 85, 86, 88,
                89, 90, 92, 93, 94, 95, 97, 98, 99]
MILITARY = ["AA", "AB", "AD", "AT", "AV", "BC", "BH", "BK", "BT", "HA", "HB", "KA", "KB",
            "KC", "KD", "KV", "PA", "PK", "QA", "QB", "QK", "TC", "TH", "TM", "TT"]
CN_PROVINCES = ["桂", "云"]
CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

PLATE_COLOURS = {  # background, text/border (day)
    "white": ((238, 238, 232), (16, 16, 18)),
    "yellow": ((240, 192, 24), (16, 16, 18)),
    "blue": ((22, 64, 160), (242, 242, 242)),
    "red": ((196, 30, 36), (242, 242, 242)),
}
PLATE_COLOURS_IR = {  # as seen by an IR-lit camera (retroreflective plate)
    "white": ((236, 236, 236), (22, 22, 22)),
    "yellow": ((222, 222, 222), (22, 22, 22)),
    "blue": ((70, 70, 70), (248, 248, 248)),
    "red": ((84, 84, 84), (248, 248, 248)),
}

# plate geometry (mm): size, and per line: (centre y as fraction of plate height,
# glyph height, glyph width, gap between glyphs)
PLATE_GEOM = {
    "VN-1line": dict(size=(520, 110), lines=[(0.5, 72.0, 41.0, 6.5)]),
    "VN-2line": dict(size=(330, 165), lines=[(0.275, 54.5, 32.0, 6.0), (0.725, 54.5, 32.0, 6.0)]),
    "VN-moto": dict(size=(190, 140), lines=[(0.272, 46.5, 24.8, 4.4), (0.728, 46.5, 24.8, 4.4)]),
    "CN": dict(size=(440, 140), lines=[(0.5, 86.0, 46.0, 8.5)]),
}


def clamp8(v):
    return max(0, min(255, int(round(v))))


def shade(col, f):
    return tuple(clamp8(c * f) for c in col[:3])


# --------------------------------------------------------------------------
# Plate texts
# --------------------------------------------------------------------------
class PlateFactory:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.used = set()
        self.moto_count = 0
        self.cn_count = 0

    def _prov(self):
        return "%02d" % self.rng.choice(VN_PROVINCES)

    def _digits(self, n):
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _one(self, kind):
        r = self.rng
        if kind in ("A", "Y1", "BL1", "C", "Y2", "BL2"):
            prov, ser, d = self._prov(), r.choice(VN_SERIES), self._digits(5)
            head, tail = prov + ser, d[:3] + "." + d[3:]
            fmt = "VN-1line" if kind in ("A", "Y1", "BL1") else "VN-2line"
            lines = [head + "-" + tail] if fmt == "VN-1line" else [head, tail]
            colour = {"A": "white", "C": "white", "Y1": "yellow", "Y2": "yellow",
                      "BL1": "blue", "BL2": "blue"}[kind]
        elif kind == "B":
            prov, ser, d = self._prov(), r.choice(VN_SERIES), self._digits(4)
            lines, fmt, colour = [prov + ser + "-" + d], "VN-1line", "white"
        elif kind == "R":
            lt, d = r.choice(MILITARY), self._digits(4)
            lines, fmt, colour = [lt + "-" + d[:2] + "-" + d[2:]], "VN-1line", "red"
        elif kind == "M":
            self.moto_count += 1
            prov = self._prov()
            if self.moto_count == 4:      # two-letter series (since 2023)
                top = prov + "-" + r.choice(VN_SERIES) + r.choice(VN_SERIES)
            else:
                top = prov + "-" + r.choice(VN_SERIES) + str(r.randint(1, 9))
            if self.moto_count == 8:      # legacy 4-digit
                bottom = self._digits(4)
            else:
                d = self._digits(5)
                bottom = d[:3] + "." + d[3:]
            lines, fmt, colour = [top, bottom], "VN-moto", "white"
        elif kind == "CN":
            self.cn_count += 1
            body = list(self._digits(5))
            if self.cn_count == 3:
                body[r.randint(0, 4)] = r.choice(CN_LETTERS)
            lines = [CN_PROVINCES[self.cn_count % 2] + r.choice(CN_LETTERS) + "·" + "".join(body)]
            fmt, colour = "CN", "blue"
        else:
            raise ValueError(kind)
        display = " ".join(lines)
        norm = "".join(c for c in display if c not in "-.· ").upper()
        return dict(kind=kind, lines=lines, display=display, plate=norm, format=fmt, colour=colour)

    def make(self, kind):
        for _ in range(1000):
            p = self._one(kind)
            if p["plate"] not in self.used:
                self.used.add(p["plate"])
                return p
        raise RuntimeError("could not make a distinct plate")


# --------------------------------------------------------------------------
# Plate rendering
# --------------------------------------------------------------------------
class GlyphBank:
    def __init__(self):
        self.latin = ImageFont.truetype(FONT_LATIN, 400)
        self.cjk = ImageFont.truetype(FONT_CJK, 400)
        self.cache = {}
        ref = self.ink("0")
        self.ref_w, self.ref_h = ref.size

    def ink(self, ch):
        if ch not in self.cache:
            cjk = ord(ch) > 0x2E80
            font = self.cjk if cjk else self.latin
            img = Image.new("L", (800, 800), 0)
            ImageDraw.Draw(img).text((150, 100), ch, font=font, fill=255,
                                     stroke_width=14 if cjk else 0, stroke_fill=255)
            self.cache[ch] = img.crop(img.getbbox())
        return self.cache[ch]


GLYPHS = None


def render_plate(p, ppm, night):
    """Plate as an RGBA image at ppm pixels per mm."""
    geom = PLATE_GEOM[p["format"]]
    wmm, hmm = geom["size"]
    W, H = int(round(wmm * ppm)), int(round(hmm * ppm))
    bg, fg = (PLATE_COLOURS_IR if night else PLATE_COLOURS)[p["colour"]]
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    rad = 0.07 * hmm * ppm
    d.rounded_rectangle([0, 0, W - 1, H - 1], radius=rad, fill=bg + (255,))
    inset = 0.022 * hmm * ppm
    thick = max(1, int(round(0.03 * hmm * ppm)))
    d.rounded_rectangle([inset, inset, W - 1 - inset, H - 1 - inset], radius=rad * 0.75,
                        outline=fg + (255,), width=thick)
    for text, (cyf, gh, gw, gap) in zip(p["lines"], geom["lines"]):
        # token widths (mm)
        toks = []
        for ch in text:
            if ch == "-":
                toks.append(("-", gw * 0.55, gap * 1.1))
            elif ch == ".":
                toks.append((".", gh * 0.15, gap * 0.8))
            elif ch == "·":
                toks.append(("·", gh * 0.15, gap * 0.9))
            else:
                toks.append((ch, gw, gap))
        total = sum(t[1] for t in toks)
        for a, b in zip(toks, toks[1:]):
            total += max(a[2], b[2])
        x = (wmm - total) / 2.0
        cy = cyf * hmm
        top, bot = cy - gh / 2.0, cy + gh / 2.0
        prev = None
        for t in toks:
            if prev is not None:
                x += max(prev[2], t[2])
            ch, w = t[0], t[1]
            if ch == "-":
                th = gh * 0.12
                d.rectangle([x * ppm, (cy - th / 2) * ppm, (x + w) * ppm, (cy + th / 2) * ppm], fill=fg)
            elif ch == ".":
                d.ellipse([x * ppm, (bot - w) * ppm, (x + w) * ppm, bot * ppm], fill=fg)
            elif ch == "·":
                d.ellipse([x * ppm, (cy - w / 2) * ppm, (x + w) * ppm, (cy + w / 2) * ppm], fill=fg)
            else:
                ink = GLYPHS.ink(ch)
                if ord(ch) > 0x2E80:
                    gwp = w
                else:
                    gwp = min(ink.size[0] * (gw / GLYPHS.ref_w), gw * 1.06)
                pw, ph = max(1, int(round(gwp * ppm))), max(1, int(round(gh * ppm)))
                g = ink.resize((pw, ph), RESAMPLE)
                gx = int(round((x + (w - gwp) / 2.0) * ppm))
                img.paste(fg + (255,), (gx, int(round(top * ppm)), gx + pw, int(round(top * ppm)) + ph), g)
            x += w
            prev = t
    return img


# --------------------------------------------------------------------------
# Vehicle sprites (drawn in mm, rendered at k px/mm)
# --------------------------------------------------------------------------
class Canvas:
    def __init__(self, k, xmin, xmax, top):
        self.k = k
        self.xmin = xmin
        self.W = int(math.ceil((xmax - xmin) * k))
        self.H = int(math.ceil((top + 140) * k))
        self.gy = self.H - 90 * k
        self.img = Image.new("RGBA", (self.W, self.H), (0, 0, 0, 0))
        self.d = ImageDraw.Draw(self.img)

    def P(self, x, h):
        return ((x - self.xmin) * self.k, self.gy - h * self.k)

    def R(self, x0, h0, x1, h1):
        a, b = self.P(min(x0, x1), max(h0, h1))
        c, e = self.P(max(x0, x1), min(h0, h1))
        return [a, b, c, e]

    def rect(self, x0, h0, x1, h1, fill, r=0, outline=None, width=1):
        if r > 0:
            self.d.rounded_rectangle(self.R(x0, h0, x1, h1), radius=r * self.k, fill=fill,
                                     outline=outline, width=width)
        else:
            self.d.rectangle(self.R(x0, h0, x1, h1), fill=fill, outline=outline, width=width)

    def ell(self, x0, h0, x1, h1, fill):
        self.d.ellipse(self.R(x0, h0, x1, h1), fill=fill)

    def poly(self, pts, fill):
        self.d.polygon([self.P(x, h) for x, h in pts], fill=fill)

    def line(self, pts, fill, width_mm):
        self.d.line([self.P(x, h) for x, h in pts], fill=fill, width=max(1, int(round(width_mm * self.k))))


GLASS = (52, 62, 74)
TYRE = (24, 24, 26)


def draw_car(rng, col, k):
    Wc = rng.uniform(1720, 1880)
    cv = Canvas(k, -260, Wc + 260, 1560)
    hood_top = rng.uniform(960, 1080)
    roof = hood_top + rng.uniform(290, 370)
    cv.ell(-60, -70, Wc + 60, 70, (0, 0, 0, 110))                       # shadow
    cv.rect(70, -10, 320, 220, TYRE, r=40)
    cv.rect(Wc - 320, -10, Wc - 70, 220, TYRE, r=40)
    cv.poly([(95, hood_top - 10), (Wc - 95, hood_top - 10), (Wc - 245, roof + 50), (245, roof + 50)],
            shade(col, 0.9))                                            # pillars
    cv.poly([(150, hood_top + 10), (Wc - 150, hood_top + 10), (Wc - 290, roof), (290, roof)], GLASS)
    cv.poly([(Wc * 0.55, hood_top + 10), (Wc * 0.66, hood_top + 10), (Wc * 0.52, roof), (Wc * 0.45, roof)],
            (78, 90, 104))                                              # reflection
    cv.rect(250, roof + 10, Wc - 250, roof + 75, shade(col, 0.95), r=30)
    for sx in (0, 1):                                                   # mirrors
        x0 = -150 if sx == 0 else Wc + 30
        cv.rect(x0, hood_top - 110, x0 + 120, hood_top + 20, shade(col, 0.75), r=40)
    cv.poly([(15, 780), (Wc - 15, 780), (Wc - 95, hood_top), (95, hood_top)], shade(col, 1.05))  # hood
    cv.line([(Wc * 0.33, 800), (Wc * 0.37, hood_top - 10)], shade(col, 0.93), 14)
    cv.line([(Wc * 0.67, 800), (Wc * 0.63, hood_top - 10)], shade(col, 0.93), 14)
    cv.rect(0, 500, Wc, 800, col, r=90)                                 # front fascia
    cv.rect(8, 130, Wc - 8, 560, shade(col, 0.94), r=110)               # bumper
    gx0, gx1 = Wc * 0.31, Wc * 0.69
    cv.rect(gx0, 575, gx1, 765, (30, 30, 33), r=40)                     # grille
    hh = 598
    while hh < 748:
        cv.rect(gx0 + 18, hh, gx1 - 18, hh + 11, (128, 128, 134))
        hh += 30
    lights = []
    for x0, x1 in ((55, Wc * 0.285), (Wc * 0.715, Wc - 55)):
        cv.rect(x0, 605, x1, 748, (200, 206, 212), r=45, outline=(80, 80, 86), width=max(1, int(6 * k)))
        lx = (x0 + x1) / 2
        cv.ell(lx - 70, 630, lx + 70, 725, (250, 250, 246))
        lights.append((x0, 605, x1, 748))
    cv.rect(Wc * 0.28, 165, Wc * 0.72, 268, (28, 28, 31), r=30)         # lower intake
    hh = 185
    while hh < 255:
        cv.rect(Wc * 0.29, hh, Wc * 0.71, hh + 8, (70, 70, 74))
        hh += 25
    cv.ell(110, 190, 215, 255, (210, 210, 200))                         # fog lights
    cv.ell(Wc - 215, 190, Wc - 110, 255, (210, 210, 200))
    return cv, Wc / 2.0, lights, 355


def draw_truck(rng, col, k, brand=None):
    Wt = rng.uniform(2250, 2480)
    cv = Canvas(k, -360, Wt + 360, 2720)
    cv.ell(-80, -90, Wt + 80, 90, (0, 0, 0, 115))
    cv.rect(50, -10, 440, 600, TYRE, r=60)
    cv.rect(Wt - 440, -10, Wt - 50, 600, TYRE, r=60)
    cv.rect(30, 1720, Wt - 30, 2660, shade(col, 0.97), r=80)              # cab upper
    cv.poly([(110, 1800), (Wt - 110, 1800), (Wt - 150, 2420), (150, 2420)], GLASS)
    cv.poly([(Wt * 0.56, 1800), (Wt * 0.66, 1800), (Wt * 0.56, 2420), (Wt * 0.49, 2420)], (80, 92, 106))
    if rng.random() < 0.4:
        cv.rect(Wt / 2 - 30, 1800, Wt / 2 + 30, 2420, shade(col, 0.8))
    cv.rect(60, 2420, Wt - 60, 2530, shade(col, 0.78), r=20)             # visor
    for i in range(5):
        x = Wt * (0.3 + 0.1 * i)
        cv.rect(x - 45, 2570, x + 45, 2620, (230, 150, 30), r=10)
    for side in (-1, 1):                                                # mirrors
        xa = 0 if side < 0 else Wt
        xm = -300 if side < 0 else Wt + 180
        cv.line([(xa, 2150), (xm + 60, 2200)], (40, 40, 44), 35)
        cv.rect(xm, 1720, xm + 120, 2260, (35, 35, 38), r=30)
    cv.rect(20, 720, Wt - 20, 1760, col, r=60)                          # cab face
    gx0, gx1 = Wt * 0.2, Wt * 0.8
    cv.rect(gx0, 820, gx1, 1580, (34, 34, 38), r=50)                    # grille
    hh = 860
    slat = shade(col, 0.85) if rng.random() < 0.5 else (150, 150, 156)
    while hh < 1540:
        cv.rect(gx0 + 25, hh, gx1 - 25, hh + 32, slat)
        hh += 75
    if brand:
        fnt = ImageFont.truetype(FONT_LATIN, max(8, int(110 * k)))
        cv.d.text(cv.P(Wt / 2, 1690), brand, font=fnt, fill=(210, 210, 214), anchor="mm")
    cv.rect(0, 290, Wt, 740, (70, 72, 76) if rng.random() < 0.5 else shade(col, 0.8), r=50)  # bumper
    lights = []
    for x0, x1 in ((80, 560), (Wt - 560, Wt - 80)):
        cv.rect(x0, 575, x1, 715, (205, 210, 215), r=30, outline=(70, 70, 75), width=max(1, int(8 * k)))
        lx = (x0 + x1) / 2
        cv.ell(lx - 100, 600, lx + 100, 690, (252, 252, 248))
        lights.append((x0, 575, x1, 715))
        xa = x0 + 10 if x0 < Wt / 2 else x1 - 110
        cv.rect(xa, 380, xa + 100, 450, (230, 140, 30), r=10)
    return cv, Wt / 2.0, lights, 505


def draw_moto(rng, col, k):
    jacket = rng.choice([(40, 50, 80), (90, 30, 30), (60, 60, 60), (30, 70, 50), (150, 120, 90), (200, 200, 205)])
    helmet = rng.choice([(220, 220, 220), (200, 40, 40), (30, 30, 30), (40, 90, 170), (230, 190, 40)])
    trousers = rng.choice([(35, 35, 45), (50, 55, 70), (70, 60, 50)])
    cv = Canvas(k, -700, 700, 1920)
    cv.ell(-320, -60, 320, 60, (0, 0, 0, 105))
    cv.poly([(-235, 1100), (235, 1100), (345, 820), (-345, 820)], trousers)  # thighs
    for s in (-1, 1):                                                   # shins
        cv.poly([(s * 175, 80), (s * 305, 80), (s * 350, 840), (s * 205, 870)], shade(trousers, 0.9))
        cv.rect(s * 165, 40, s * 320, 120, (25, 25, 25), r=30)
    cv.rect(-62, -5, 62, 560, TYRE, r=60)                               # wheel
    cv.rect(-100, 470, 100, 615, col, r=40)                             # fender
    cv.poly([(-230, 1080), (230, 1080), (205, 1560), (-205, 1560)], jacket)  # torso
    for s in (-1, 1):
        cv.line([(s * 205, 1500), (s * 330, 1300), (s * 365, 1165)], shade(jacket, 0.85), 95)
    cv.poly([(-150, 600), (150, 600), (195, 1030), (-195, 1030)], col)  # apron
    cv.rect(-215, 1000, 215, 1150, shade(col, 0.9), r=50)
    cv.ell(-115, 1025, 115, 1110, (250, 250, 244))
    lights = [(-115, 1025, 115, 1110)]
    cv.line([(-395, 1140), (395, 1140)], (30, 30, 32), 34)              # handlebar
    for s in (-1, 1):
        cv.ell(s * 330 - 55, 1110, s * 330 + 55, 1200, (60, 45, 40))
        cv.line([(s * 270, 1150), (s * 330, 1390)], (40, 40, 40), 16)
        cv.ell(s * 330 - 60, 1370, s * 330 + 60, 1450, (40, 40, 44))
    cv.rect(-55, 1540, 55, 1600, (170, 130, 110))
    cv.ell(-150, 1570, 150, 1890, helmet)
    cv.ell(-112, 1600, 112, 1730, (30, 32, 36))
    return cv, 0.0, lights, 722


CAR_COLOURS = [(236, 236, 232), (236, 236, 232), (176, 179, 184), (176, 179, 184), (62, 64, 68),
               (30, 30, 32), (168, 26, 30), (34, 64, 140), (196, 184, 160), (120, 30, 36)]
MOTO_COLOURS = [(30, 30, 32), (200, 30, 34), (236, 236, 232), (40, 80, 160), (176, 179, 184), (60, 120, 80)]
TRUCK_COLOURS = [(40, 82, 160), (180, 36, 36), (236, 236, 232), (40, 120, 72), (200, 200, 205)]


def build_vehicle(plate, rng, k, night):
    """Returns a dict with the RGBA sprite and its plate geometry (sprite pixels)."""
    kind = plate["kind"]
    if kind == "M":
        vtype = "moto"
    elif kind in ("Y1", "Y2", "CN", "R"):
        vtype = "truck"
    elif kind == "C" and rng.random() < 0.25:
        vtype = "truck"
    else:
        vtype = "car"
    if vtype == "moto":
        col = rng.choice(MOTO_COLOURS)
        cv, pcx, lights, pch = draw_moto(rng, col, k)
    elif vtype == "truck":
        if kind in ("Y1", "Y2"):
            col = rng.choice([(232, 184, 32), (232, 184, 32), (236, 236, 232), (40, 82, 160)])
        elif kind == "R":
            col = (88, 98, 62)
        else:
            col = rng.choice(TRUCK_COLOURS)
        brand = rng.choice(["HOWO", "FAW", "DONGFENG", "SHACMAN", None]) if kind == "CN" else \
            rng.choice(["HINO", "ISUZU", None, None])
        cv, pcx, lights, pch = draw_truck(rng, col, k, brand)
    else:
        col = rng.choice(CAR_COLOURS)
        if kind == "BL1":
            col = rng.choice([(30, 30, 32), (236, 236, 232)])
        cv, pcx, lights, pch = draw_car(rng, col, k)
    sprite = cv.img
    if night:
        a = np.asarray(sprite).astype(np.float32)
        lum = (0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]) * 0.30 + 8
        a[..., 0] = lum
        a[..., 1] = lum
        a[..., 2] = lum
        sprite = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGBA")
        glow = Image.new("L", sprite.size, 0)
        gd = ImageDraw.Draw(glow)
        for (x0, h0, x1, h1) in lights:
            cx, ch = (x0 + x1) / 2, (h0 + h1) / 2
            rx, ry = (x1 - x0) * 0.95, (h1 - h0) * 1.5
            gd.ellipse(cv.R(cx - rx, ch - ry, cx + rx, ch + ry), fill=235)
        glow = glow.filter(ImageFilter.GaussianBlur(70 * k))
        layer = Image.new("RGBA", sprite.size, (255, 255, 255, 0))
        layer.putalpha(glow)
        sprite = Image.alpha_composite(sprite, layer)
        d = ImageDraw.Draw(sprite)
        for (x0, h0, x1, h1) in lights:
            d.rounded_rectangle(cv.R(x0, h0, x1, h1), radius=25 * k, fill=(255, 255, 255, 255))
    # plate
    pwmm, phmm = PLATE_GEOM[plate["format"]]["size"]
    pimg = render_plate(plate, 4.0, night)
    pw, ph = int(round(pwmm * k)), int(round(phmm * k))
    pimg = pimg.resize((pw, ph), RESAMPLE)
    if not night:
        f = rng.uniform(0.86, 1.0)
        pa = np.asarray(pimg).astype(np.float32)
        pa[..., :3] *= f
        pimg = Image.fromarray(np.clip(pa, 0, 255).astype(np.uint8), "RGBA")
    cx, cy = cv.P(pcx, pch)
    px0, py0 = int(round(cx - pw / 2.0)), int(round(cy - ph / 2.0))
    sprite.alpha_composite(pimg, (px0, py0))
    corners = np.array([[px0, py0], [px0 + pw, py0], [px0 + pw, py0 + ph], [px0, py0 + ph]], dtype=np.float64)
    centre = np.array([px0 + pw / 2.0, py0 + ph / 2.0])
    return dict(sprite=sprite, corners=corners, centre=centre, vtype=vtype, plate_h_mm=pch)


def rotate_vehicle(v, angle):
    """Rotate sprite (counter-clockwise, degrees) about its centre; update plate geometry."""
    sp = v["sprite"]
    w, h = sp.size
    rot = sp.rotate(angle, resample=Image.BICUBIC, expand=True)
    nw, nh = rot.size
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)

    def tr(pts):
        dx, dy = pts[..., 0] - w / 2.0, pts[..., 1] - h / 2.0
        return np.stack([nw / 2.0 + dx * c + dy * s, nh / 2.0 - dx * s + dy * c], axis=-1)

    v["sprite"] = rot
    v["corners"] = tr(v["corners"])
    v["centre"] = tr(v["centre"])


# --------------------------------------------------------------------------
# Scene geometry: a plate at normalised distance sigma (1/z) has scale sigma*s_max
# px/mm; the ground point under it is at ground_y(sigma).
# --------------------------------------------------------------------------
SIGMA_FAR = 0.05
SIGMA_GATE = 0.065
SIGMA_STOP = 0.85
SIGMA_END = 2.4


class Geom:
    g0, g1, g2 = 0.118, 1.0224, 2.128

    def __init__(self, W, H):
        self.W, self.H = W, H
        self.cx = W / 2.0
        self.s_max = 0.19 * W / 520.0   # 1-line plate = 19% of frame width at sigma = 1

    def ground_y(self, sig):
        q = max(0.0, sig - SIGMA_STOP)
        return self.H * (self.g0 + self.g1 * sig + self.g2 * q * q)

    def sigma_of_rows(self, ys):
        sig = np.linspace(0.0, 4.0, 40001)
        y = self.H * (self.g0 + self.g1 * sig + self.g2 * np.maximum(0.0, sig - SIGMA_STOP) ** 2)
        return np.interp(ys, y, sig)


def sigma_profile(A, D, E):
    zf, zs, ze = 1.0 / SIGMA_FAR, 1.0 / SIGMA_STOP, 1.0 / SIGMA_END
    out = []
    for r in range(A):
        u = r / float(A)
        out.append(1.0 / (zs + (zf - zs) * (1 - u) ** 2))
    out += [SIGMA_STOP] * D
    for r in range(1, E + 1):
        u = r / float(E)
        out.append(1.0 / (zs - (zs - ze) * u * u))
    return out


# --------------------------------------------------------------------------
# Background
# --------------------------------------------------------------------------
def smooth_noise(rng, H, W, cell):
    h, w = H // cell + 2, W // cell + 2
    small = Image.fromarray((rng.random((h, w)) * 255).astype(np.uint8), "L")
    big = small.resize((w * cell, h * cell), Image.BICUBIC)
    return np.asarray(big, dtype=np.float32)[:H, :W] / 255.0 - 0.5


def make_background(geom, rng, night):
    W, H = geom.W, geom.H
    ys = np.arange(H, dtype=np.float64) + 0.5
    sig_rows = geom.sigma_of_rows(ys)
    ygate = geom.ground_y(SIGMA_GATE)
    sig = np.maximum(sig_rows, 1e-4)[:, None]
    s = sig * geom.s_max
    X = (np.arange(W)[None, :] + 0.5 - geom.cx) / s             # mm across
    dist = 4.0 / sig                                             # metres along
    aX = np.abs(X)
    tex = rng.normal(0, 1, (H, W)).astype(np.float32)
    blot = smooth_noise(rng, H, W, max(8, W // 40))
    base = 104 + 6 * tex + 18 * blot + np.clip((dist - 4) * 0.9, 0, 20)
    img = np.empty((H, W, 3), np.float32)
    for c, off in enumerate((0, 1, 4)):
        img[..., c] = base + off
    # shoulder/gutter
    m = (aX > 1950) & (aX < 2550)
    img[m] *= 0.86
    # lane edge lines
    m = (aX > 1780) & (aX < 1920)
    img[m] = np.array([205, 205, 198], np.float32) * (0.92 + 0.08 * blot[m, None] * 2)
    # rumble strips
    for d0 in (7.0, 7.45, 7.9):
        m = (np.abs(dist - d0) < 0.12) & (aX < 1700) & np.ones_like(X, bool)
        img[m] = np.array([190, 190, 184], np.float32)
    # kerb with alternating stripes
    m = (aX >= 2550) & (aX < 2800)
    stripe = (np.floor(dist) % 2 == 0) & np.ones_like(X, bool)
    ky = m & stripe
    kb = m & ~stripe
    img[ky] = np.array([212, 178, 46], np.float32)
    img[kb] = np.array([38, 38, 40], np.float32)
    # sidewalk tiles
    m = aX >= 2800
    tile = ((np.abs((aX - 2800) % 600) < 30) | (np.abs(dist % 0.6) < 0.03)) & np.ones_like(X, bool)
    img[m] = np.array([168, 162, 152], np.float32) + 5 * tex[m, None]
    img[m & tile] *= 0.78
    img = np.clip(img, 0, 255).astype(np.uint8)
    bg = Image.fromarray(img, "RGB").filter(ImageFilter.GaussianBlur(0.6))
    d = ImageDraw.Draw(bg)

    def P(sg, xmm, hmm):
        ss = sg * geom.s_max
        return (geom.cx + xmm * ss, geom.ground_y(sg) - hmm * ss)

    # far facade: a toll-plaza building with a gateway opening over the lane
    sg = SIGMA_GATE
    ss = sg * geom.s_max
    fac = Image.new("RGB", (W, int(math.ceil(ygate))), (196, 190, 178))
    fd = ImageDraw.Draw(fac)
    top_band = ygate - 5200 * ss
    fd.rectangle([0, 0, W, max(0, top_band)], fill=(150, 172, 196))      # sky
    for i in range(0, W, max(6, int(3000 * ss))):                           # windows
        for hrow in (1500, 2900):
            x0 = i + 800 * ss
            fd.rectangle([x0, ygate - (hrow + 900) * ss, x0 + 1400 * ss, ygate - hrow * ss], fill=(70, 86, 104))
    ox0, ox1 = geom.cx - 2700 * ss, geom.cx + 2700 * ss
    fd.rectangle([ox0 - 500 * ss, ygate - 3500 * ss, ox1 + 500 * ss, ygate], fill=(150, 146, 140))
    fd.rectangle([ox0, ygate - 3050 * ss, ox1, ygate], fill=(36, 36, 40))  # gateway (tunnel)
    fd.rectangle([ox0 - 3600 * ss, ygate - 4200 * ss, ox1 + 3600 * ss, ygate - 3250 * ss], fill=(30, 70, 150))
    fnt = ImageFont.truetype(FONT_LATIN, max(6, int(600 * ss)))
    fd.text((geom.cx, ygate - 3725 * ss), "TRAM KIEM SOAT", font=fnt, fill=(240, 240, 240), anchor="mm")
    bg.paste(fac, (0, 0))
    # tunnel interior road (darker)
    tun = np.asarray(bg).astype(np.float32)
    yy0 = int(ygate)
    tun[yy0:int(geom.ground_y(0.085)), :] *= np.linspace(0.45, 1.0, max(1, int(geom.ground_y(0.085)) - yy0))[:, None, None]
    bg = Image.fromarray(np.clip(tun, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(bg)
    # shop board on the left sidewalk ("KIEM DICH" + phone number: a decoy)
    sg = 0.30
    ss = sg * geom.s_max
    x0, yb = P(sg, -4300, 800)
    x1, yt = P(sg, -2500, 1500)
    for lx in (-4100, -2700):
        a = P(sg, lx, 0)
        d.rectangle([a[0] - 30 * ss, yb, a[0] + 30 * ss, a[1]], fill=(70, 70, 74))
    d.rectangle([x0, yt, x1, yb], fill=(186, 28, 30), outline=(240, 200, 40), width=max(1, int(25 * ss)))
    f1 = ImageFont.truetype(FONT_LATIN, max(6, int(300 * ss)))
    f2 = ImageFont.truetype(FONT_LATIN, max(6, int(150 * ss)))
    d.text(((x0 + x1) / 2, yt + (yb - yt) * 0.38), "KIEM DICH", font=f1, fill=(250, 215, 40), anchor="mm")
    d.text(((x0 + x1) / 2, yt + (yb - yt) * 0.80), "DT 0912.345.678", font=f2, fill=(250, 250, 250), anchor="mm")
    # STOP sign on a short post, right
    sg = 0.36
    ss = sg * geom.s_max
    base = P(sg, 2950, 0)
    c = P(sg, 2950, 1500)
    d.rectangle([base[0] - 28 * ss, c[1], base[0] + 28 * ss, base[1]], fill=(120, 120, 124))
    r = 360 * ss
    pts = [(c[0] + r * math.cos(math.radians(22.5 + 45 * i)), c[1] + r * math.sin(math.radians(22.5 + 45 * i)))
           for i in range(8)]
    d.polygon(pts, fill=(240, 240, 240))
    r2 = r * 0.9
    pts = [(c[0] + r2 * math.cos(math.radians(22.5 + 45 * i)), c[1] + r2 * math.sin(math.radians(22.5 + 45 * i)))
           for i in range(8)]
    d.polygon(pts, fill=(196, 26, 30))
    f3 = ImageFont.truetype(FONT_LATIN, max(6, int(230 * ss)))
    d.text(c, "STOP", font=f3, fill=(250, 250, 250), anchor="mm")
    # speed sign, left, farther
    sg = 0.17
    ss = sg * geom.s_max
    base = P(sg, -3100, 0)
    c = P(sg, -3100, 1450)
    d.rectangle([base[0] - 30 * ss, c[1], base[0] + 30 * ss, base[1]], fill=(120, 120, 124))
    r = 330 * ss
    d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], fill=(200, 30, 34))
    d.ellipse([c[0] - r * 0.78, c[1] - r * 0.78, c[0] + r * 0.78, c[1] + r * 0.78], fill=(245, 245, 245))
    f4 = ImageFont.truetype(FONT_LATIN, max(6, int(300 * ss)))
    d.text(c, "5", font=f4, fill=(20, 20, 20), anchor="mm")
    if night:
        a = np.asarray(bg).astype(np.float32)
        lum = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
        yy = (np.arange(H) + 0.5)[:, None] / H
        xx = (np.arange(W) + 0.5)[None, :] / W - 0.5
        ir = 0.07 + 0.55 * np.exp(-((xx / 0.42) ** 2 + ((yy - 1.05) / 0.55) ** 2))
        lum = lum * ir
        # lit facade windows / lamp
        lum[: int(ygate)] = np.maximum(lum[: int(ygate)], 0)
        a = np.repeat(np.clip(lum, 0, 255)[..., None], 3, axis=2).astype(np.uint8)
        bg = Image.fromarray(a, "RGB")
        d = ImageDraw.Draw(bg)
        ss = SIGMA_GATE * geom.s_max
        for lx in (-3500, 3500):                                    # gateway lamps
            cx, cy = geom.cx + lx * ss, ygate - 4300 * ss
            glow = Image.new("L", (W, H), 0)
            ImageDraw.Draw(glow).ellipse([cx - 900 * ss, cy - 900 * ss, cx + 900 * ss, cy + 900 * ss], fill=200)
            glow = glow.filter(ImageFilter.GaussianBlur(500 * ss))
            bg = Image.composite(Image.new("RGB", (W, H), (235, 235, 235)), bg, glow)
    return bg


# --------------------------------------------------------------------------
# Per-frame placement
# --------------------------------------------------------------------------
def place(v, geom, r, k):
    sig = v["sigma"][r]
    s = sig * geom.s_max
    f = s / k
    Ws, Hs = v["sprite"].size
    dw, dh = max(1, int(round(Ws * f))), max(1, int(round(Hs * f)))
    fx, fy = dw / float(Ws), dh / float(Hs)
    xc = geom.cx + v["lateral"] * s
    yc = geom.ground_y(sig) - v["plate_h_mm"] * s
    ox = int(round(xc - v["centre"][0] * fx))
    oy = int(round(yc - v["centre"][1] * fy))
    px = ox + v["corners"][:, 0] * fx
    py = oy + v["corners"][:, 1] * fy
    x0, y0 = int(math.floor(px.min())), int(math.floor(py.min()))
    x1, y1 = int(math.ceil(px.max())), int(math.ceil(py.max()))
    bb = v["body"]
    body = (ox + bb[0] * fx, oy + bb[1] * fy, ox + bb[2] * fx, oy + bb[3] * fy)
    visible = ox < geom.W and oy < geom.H and ox + dw > 0 and oy + dh > 0
    return dict(sig=sig, s=s, ox=ox, oy=oy, dw=dw, dh=dh, fx=fx, fy=fy, box=(x0, y0, x1 - x0, y1 - y0),
                body=body, visible=visible, char_px=v["char_mm"] * s)


def plan_vehicle(v, geom, k):
    v["states"] = [place(v, geom, r, k) for r in range(len(v["sigma"]))]
    vis = [i for i, st in enumerate(v["states"]) if st["visible"]]
    v["vis0"], v["vis1"] = vis[0], vis[-1]


def alone_readable(st, geom):
    x, y, w, h = st["box"]
    return st["char_px"] >= MIN_CHAR_PX and x >= 0 and y >= 0 and x + w <= geom.W and y + h <= geom.H


def occluded(st, other, other_v):
    """True if any noticeably opaque pixel of the (nearer) other vehicle lies on the plate box."""
    x, y, w, h = st["box"]
    bx0, by0, bx1, by1 = other["body"]
    if bx1 <= x or bx0 >= x + w or by1 <= y or by0 >= y + h:
        return False
    alpha = other_v["alpha"]
    sx0 = int(math.floor((x - other["ox"]) / other["fx"]))
    sy0 = int(math.floor((y - other["oy"]) / other["fy"]))
    sx1 = int(math.ceil((x + w - other["ox"]) / other["fx"]))
    sy1 = int(math.ceil((y + h - other["oy"]) / other["fy"]))
    sx0, sy0 = max(0, sx0), max(0, sy0)
    sx1, sy1 = min(alpha.shape[1], sx1), min(alpha.shape[0], sy1)
    if sx1 <= sx0 or sy1 <= sy0:
        return False
    return bool(alpha[sy0:sy1, sx0:sx1].max() > 40)


def readable_flags(v, start, prev, prev_start, geom):
    flags = []
    for r, st in enumerate(v["states"]):
        ok = alone_readable(st, geom)
        if ok and prev is not None:
            pr = start + r - prev_start
            if 0 <= pr < len(prev["states"]):
                pst = prev["states"][pr]
                if pst["visible"] and occluded(st, pst, prev):
                    ok = False
        flags.append(ok)
    return flags


def runs(flags):
    out, i = [], 0
    while i < len(flags):
        if flags[i]:
            j = i
            while j < len(flags) and flags[j]:
                j += 1
            out.append((i, j - 1))
            i = j
        else:
            i += 1
    return out


def schedule_ok(v, start, prev, prev_start, prev2, prev2_start, geom):
    if prev2 is not None and start + v["vis0"] <= prev2_start + prev2["vis1"]:
        return None                                     # at most two vehicles in view
    if prev is not None:                                # no overtaking
        for r, st in enumerate(v["states"]):
            pr = start + r - prev_start
            if 0 <= pr < len(prev["states"]) and st["visible"] and prev["states"][pr]["visible"]:
                if st["sig"] >= prev["states"][pr]["sig"]:
                    return None
    rr = runs(readable_flags(v, start, prev, prev_start, geom))
    if len(rr) != 1 or rr[0][1] - rr[0][0] + 1 < MIN_READABLE_FRAMES:
        return None
    return rr[0]


# --------------------------------------------------------------------------
# Clip
# --------------------------------------------------------------------------
def ffmpeg_cmd(path, W, H, crf):
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", "%dx%d" % (W, H), "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-threads", "1",
            "-preset", "medium", "-crf", str(crf), "-pix_fmt", "yuv420p", "-g", "50", "-bf", "0",
            "-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact",
            "-flags:v", "+bitexact", path]


def gt_json(gt):
    """JSON text: header fields one per line, one vehicle per line."""
    head = ",\n".join(" %s: %s" % (json.dumps(k), json.dumps(v, ensure_ascii=False))
                       for k, v in gt.items() if k != "vehicles")
    veh = ",\n".join("  " + json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
                      for v in gt["vehicles"])
    return "{\n" + head + ',\n "vehicles": [\n' + veh + "\n ]\n}\n"


def make_clip(ci, spec, plates, outdir, crf):
    t0 = time.time()
    W, H = spec["size"]
    night = spec["night"]
    geom = Geom(W, H)
    k = geom.s_max * 1.25          # sprite px/mm: downscaled in every readable frame
    seed = MASTER_SEED + 1000 * (ci + 1)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    bg = make_background(geom, nrng, night)

    vehicles = []
    for i, p in enumerate(plates):
        vr = random.Random(seed + 17 * (i + 1))
        v = build_vehicle(p, vr, k, night)
        if vr.random() < spec["tilt_p"]:
            ang = vr.uniform(1.5, 6.0) * (1 if vr.random() < 0.5 else -1)
            rotate_vehicle(v, ang)
        alpha = np.asarray(v["sprite"].getchannel("A"))
        v["alpha"] = alpha
        ys, xs = np.nonzero(alpha > 40)
        v["body"] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        v["plate"] = p
        g = PLATE_GEOM[p["format"]]
        v["char_mm"] = g["lines"][0][1]
        v["lateral"] = vr.uniform(-350, 350) if v["vtype"] != "moto" else vr.uniform(-600, 600)
        v["blur"] = vr.uniform(0.6, 1.1) if vr.random() < spec["blur_p"] else 0.0
        A = vr.randint(34, 42)
        D = vr.randint(10, 16)
        E = vr.randint(20, 26)
        while True:
            v["sigma"] = sigma_profile(A, D, E)
            plan_vehicle(v, geom, k)
            n = sum(1 for st in v["states"] if alone_readable(st, geom))
            if n >= MIN_READABLE_FRAMES + 2:
                break
            D += 2
        v["premul"] = v["sprite"].convert("RGBa")     # resize in premultiplied alpha
        vehicles.append(v)

    # schedule
    starts = []
    for i, v in enumerate(vehicles):
        if i == 0:
            first = next(r for r, st in enumerate(v["states"]) if alone_readable(st, geom))
            start = 3 - first
            assert schedule_ok(v, start, None, None, None, None, geom)
        else:
            prev, ps = vehicles[i - 1], starts[i - 1]
            prev2, p2s = (vehicles[i - 2], starts[i - 2]) if i >= 2 else (None, None)
            start = ps + 8
            while schedule_ok(v, start, prev, ps, prev2, p2s, geom) is None:
                start += 1
                assert start < ps + 400
            start += rng.randint(0, 3)
            if schedule_ok(v, start, prev, ps, prev2, p2s, geom) is None:
                start -= 1
                while schedule_ok(v, start, prev, ps, prev2, p2s, geom) is None:
                    start -= 1
        starts.append(start)
    last = vehicles[-1]
    n_frames = starts[-1] + last["vis1"] + 1
    n_frames = max(250, min(300, n_frames))

    gt_vehicles = []
    for i, v in enumerate(vehicles):
        prev, ps = (vehicles[i - 1], starts[i - 1]) if i else (None, None)
        (r0, r1), = runs(readable_flags(v, starts[i], prev, ps, geom))
        f0, f1 = starts[i] + r0, starts[i] + r1
        assert 0 <= f0 and f1 < n_frames, (spec["name"], i, f0, f1, n_frames)
        boxes = {}
        for r in range(r0, r1 + 1):
            boxes[str(starts[i] + r)] = list(v["states"][r]["box"])
        p = v["plate"]
        gt_vehicles.append(dict(plate=p["plate"], display=p["display"], format=p["format"], colour=p["colour"],
                                first_frame=f0, last_frame=f1, boxes=boxes))

    # noise bank
    if night:
        bank = [nrng.normal(0, 4.5, (H, W, 1)).round().astype(np.int16) for _ in range(6)]
    else:
        bank = [nrng.normal(0, 2.2, (H, W, 3)).round().astype(np.int16) for _ in range(6)]
    gain = spec["light"]

    mp4 = os.path.join(outdir, spec["name"] + ".mp4")
    proc = subprocess.Popen(ffmpeg_cmd(mp4, W, H, crf), stdin=subprocess.PIPE)
    for fno in range(n_frames):
        frame = bg.copy()
        active = []
        for i, v in enumerate(vehicles):
            r = fno - starts[i]
            if 0 <= r < len(v["states"]) and v["states"][r]["visible"]:
                active.append((v["states"][r]["sig"], i, v, v["states"][r]))
        active.sort(key=lambda t: t[0])
        for sig, i, v, st in active:
            ox, oy, dw, dh = st["ox"], st["oy"], st["dw"], st["dh"]
            vx0, vy0 = max(0, ox), max(0, oy)
            vx1, vy1 = min(W, ox + dw), min(H, oy + dh)
            if vx1 <= vx0 or vy1 <= vy0:
                continue
            box = ((vx0 - ox) / st["fx"], (vy0 - oy) / st["fy"], (vx1 - ox) / st["fx"], (vy1 - oy) / st["fy"])
            # bicubic where the plate may be read, cheaper bilinear when far away or leaving
            flt = Image.BICUBIC if 0.2 <= sig <= 1.25 else Image.BILINEAR
            part = v["premul"].resize((vx1 - vx0, vy1 - vy0), flt, box=box,
                                      reducing_gap=2.5).convert("RGBA")
            if v["blur"] > 0:
                part = part.filter(ImageFilter.GaussianBlur(v["blur"]))
            if sig < 0.085:                             # coming out of the dark gateway
                b = 0.3 + 0.7 * (sig - SIGMA_FAR) / (0.085 - SIGMA_FAR)
                pa = np.asarray(part).astype(np.float32)
                pa[..., :3] *= b
                part = Image.fromarray(pa.astype(np.uint8), "RGBA")
            frame.paste(part, (vx0, vy0), part)
        a = np.asarray(frame).astype(np.int16)
        if gain != 1.0:
            a = (a * gain).astype(np.int16)
        a += bank[fno % len(bank)] if fno % 2 == 0 else bank[(fno * 7 + 3) % len(bank)][::-1, ::-1]
        np.clip(a, 0, 255, out=a)
        proc.stdin.write(a.astype(np.uint8).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("ffmpeg failed for " + mp4)

    gt = dict(video=spec["name"] + ".mp4", fps=FPS, width=W, height=H, camera=spec["camera"], night=night,
              vehicles=gt_vehicles)
    with open(os.path.join(outdir, spec["name"] + ".json"), "w", encoding="utf-8") as fh:
        fh.write(gt_json(gt))
    size = os.path.getsize(mp4)
    spans = ",".join("%d-%d" % (g["first_frame"], g["last_frame"]) for g in gt_vehicles)
    print("%s: %dx%d %d frames (%.1f s) %d vehicles, readable %s, %.0f KiB, %.1f s"
          % (spec["name"], W, H, n_frames, n_frames / FPS, len(gt_vehicles), spans, size / 1024.0,
             time.time() - t0), flush=True)


def main():
    global GLYPHS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="testvideos", help="output folder")
    ap.add_argument("--crf", type=int, default=26)
    ap.add_argument("--only", default=None, help="comma-separated clip names or numbers (debugging)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    GLYPHS = GlyphBank()
    factory = PlateFactory(MASTER_SEED)
    clip_plates = []
    for ci, spec in enumerate(CLIPS):
        kinds = spec["kinds"].split()
        plates = [factory.make(kd) for kd in kinds]
        random.Random(MASTER_SEED + ci).shuffle(plates)
        clip_plates.append(plates)
    only = set(args.only.split(",")) if args.only else None
    t0 = time.time()
    for ci, spec in enumerate(CLIPS):
        if only and spec["name"] not in only and str(ci + 1) not in only:
            continue
        make_clip(ci, spec, clip_plates[ci], args.out, args.crf)
    print("done in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
