#!/usr/bin/python3
"""Lists real plate crops from ../shared/data/real for fine-tuning and evaluating the plate model.

The split is fixed and recorded: a crop is held out for evaluation when the MD5 of "<set>/<file>" is
divisible by 3, so about a third of every crop set is never trained on. `split.csv` (committed) lists
every crop with its part; `platewatch bench` reads it and measures crop sets on the held-out part only.

The photo sets (openalpr_endtoend_eu, vn_mrzaizai2k_parking_frames) and the video are never trained on.
The Chinese crop set is 96 % Anhui (皖) plates: at most --per-province training crops of one province
character are used (200: about a third of the real training lines), so the model learns the plates'
look without learning that every plate is 皖 (the northern crossings see 桂 and 云); with all of them
the bundled footage's 云 was read as 苏 and its Vietnamese digits 6 as 5.
Labels that benchmarks/label-corrections.csv corrects by eye are trained and evaluated as corrected:
the set's labels are PaddleOCR's, and several of its errors (a plate's 1 labelled 7) teach the model the
very confusions it makes.
Writes <out>/real-train.tsv and <out>/real-eval.tsv in `platewatch cut-lines` list format.
"""
import argparse
import csv
import hashlib
import os
import sys

CROP_SETS = ["vn_vitocolerole_plate_crops", "openalpr_seg_ocr_us_crops", "cn_lprnet_plate_crops"]


def part(set_name, file):
    return "eval" if int(hashlib.md5(("%s/%s" % (set_name, file)).encode()).hexdigest(), 16) % 3 == 0 else "train"


def lines_of(row):
    """Text lines as printed, separators dropped: 2-line plates split at the space of raw_text."""
    plate = row["plate_text"].strip()
    if not plate:
        return None
    if row.get("lines") == "2":
        parts = row["raw_text"].split()
        if len(parts) != 2:
            return None
        lines = ["".join(c for c in p.upper() if c.isalnum()).replace("Đ", "D") for p in parts]
        return lines if "".join(lines) == plate else None
    return [plate]


def read_corrections(path):
    """(set, file) -> (the set's label, the corrected plate's lines), from benchmarks/label-corrections.csv,
    whose `seen` column starts with the plate as printed, lines split by " / " ("59-C1 / 058.99: ...")."""
    fixes = {}
    if path:
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                lines = ["".join(c for c in p if c.isalnum()) for p in row["seen"].split(":")[0].split(" / ")]
                if "".join(lines) != row["plate_text"]:
                    sys.exit("real.py: %s: the `seen` column does not start with %s as printed" % (row["file"], row["plate_text"]))
                fixes[(row["set"], row["file"])] = (row["label"], lines)
    return fixes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", required=True, help="../shared/data/real")
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", required=True, help="split.csv to write")
    ap.add_argument("--per-province", type=int, default=200, help="most training crops per Chinese province character")
    ap.add_argument("--corrections", help="benchmarks/label-corrections.csv: labels corrected by eye")
    args = ap.parse_args()
    fixes = read_corrections(args.corrections)
    applied = 0
    os.makedirs(args.out, exist_ok=True)
    counts = {}
    per_province = {}
    with open(args.split, "w", newline="", encoding="utf-8") as split_file, \
            open(os.path.join(args.out, "real-train.tsv"), "w", encoding="utf-8") as train, \
            open(os.path.join(args.out, "real-eval.tsv"), "w", encoding="utf-8") as evaluation:
        split = csv.writer(split_file, lineterminator="\n")
        split.writerow(["set", "file", "part"])
        listed = set()
        for name in CROP_SETS:
            folder = os.path.join(args.real, name)
            if not os.path.isdir(folder):
                print("real.py: %s absent, skipped" % folder, file=sys.stderr)
                continue
            listed.add(name)
            with open(os.path.join(folder, "ground_truth.csv"), encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    which = part(name, row["file"])
                    split.writerow([name, row["file"], which])
                    fix = fixes.get((name, row["file"]))
                    if fix is not None and fix[0] != row["plate_text"].strip():
                        sys.exit("real.py: %s/%s is labelled %s, but its correction is for %s: look at it again"
                                 % (name, row["file"], row["plate_text"], fix[0]))
                    lines = fix[1] if fix else lines_of(row)
                    applied += fix is not None
                    if lines is None:
                        continue
                    if which == "train" and ord(lines[0][0]) > 0x2E80:
                        per_province[lines[0][0]] = per_province.get(lines[0][0], 0) + 1
                        if per_province[lines[0][0]] > args.per_province:
                            continue
                    target = train if which == "train" else evaluation
                    target.write("%s\t%s\t1\n" % (os.path.abspath(os.path.join(folder, row["file"])), "|".join(lines)))
                    counts[(name, which)] = counts.get((name, which), 0) + 1
    # The file also corrects sets that are not trained on (an EU photo): only the listed sets' rows must match.
    expected = sum(1 for (name, _) in fixes if name in listed)
    if applied != expected:
        sys.exit("real.py: %d of %d label corrections matched a crop: update %s to the sets" % (applied, expected, args.corrections))
    print("real.py: %d labels corrected by eye" % applied, file=sys.stderr)
    for (name, which), n in sorted(counts.items()):
        print("real.py: %s %s: %d crops" % (name, which, n), file=sys.stderr)


if __name__ == "__main__":
    main()
