#!/bin/bash
# Picks the checkpoint that train.sh ships: of the best-so-far checkpoints lstmtraining wrote from
# FROM_ITERATION on, the one that reads the most plates exactly on data it never trains on and the
# figures in models/README.md are not measured on: the bundled footage crops (PlateWatch's own rendered
# clips) and, when ../shared/data/real is there, the real Vietnamese parking-lot frames (83 close-up
# motorbike plates, found and read). Ties: more vehicles exact, then the later checkpoint.
#
# Why not the last checkpoint: lstmtraining's last state is wherever training stopped, and its best
# checkpoints are ranked by error on lines it trains on. Checkpoints of one run read the held-out
# Vietnamese crops anywhere from 126 to 143 of 217 and the Chinese from 123 to 157 of 335; the last one
# read 111 and 133. Why the parking frames: the reader came to read every footage crop with most
# checkpoints, so the footage alone no longer tells them apart.
#
# Usage: select.sh WORK OUT FROM_ITERATION   (WORK: train.sh's scratch folder; REAL: the real sets)
set -euo pipefail
shopt -s nullglob  # no checkpoint at all: the clear message below, not a test on a literal pattern
WORK=$1 OUT=$2 FROM=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release/platewatch}
REAL=${REAL:-$ROOT/../shared/data/real}
PARKING=()
[ -d "$REAL/vn_mrzaizai2k_parking_frames" ] && PARKING=(--close-up --stills "$REAL/vn_mrzaizai2k_parking_frames")
STARTER="$WORK/lang/plate/plate.traineddata"
best="" best_key=""
for checkpoint in "$WORK"/checkpoints/plate_*_*_*.checkpoint; do
    iteration=${checkpoint##*_}; iteration=${iteration%.checkpoint}
    [ "$iteration" -ge "$FROM" ] || continue
    model="$WORK/candidates/$iteration.traineddata"
    mkdir -p "$WORK/candidates"
    lstmtraining --stop_training --convert_to_int --continue_from "$checkpoint" --traineddata "$STARTER" \
        --model_output "$model" >/dev/null 2>&1
    (cd "$ROOT" && "$BIN" bench --accuracy-only --report-only "${PARKING[@]}" --ocr-model "$model" --out "$WORK/candidates" \
        --report-name "$iteration" >/dev/null 2>&1) || true
    key=$(/usr/bin/python3 -c 'import json, sys
try:
    r = json.load(open(sys.argv[1]))
    crops = sum(s["exact"] for s in r["stills"] if s["set"] in ("bundled footage crops", "vn_mrzaizai2k_parking_frames"))
    found = r["accuracy"]["found"]
except (OSError, ValueError, KeyError, StopIteration):
    crops = found = 0  # the bench could not read with it: never chosen over one that could
print("%04d %04d %07d" % (crops, found, int(sys.argv[2])))' "$WORK/candidates/$iteration.json" "$iteration")
    echo "select: iteration $iteration: plates (footage crops + parking frames), vehicles: ${key% *}" >&2
    if [[ -z "$best_key" || "$key" > "$best_key" ]]; then best_key=$key; best=$model; fi
done
[ -n "$best" ] || { echo "select.sh: no checkpoint from iteration $FROM in $WORK/checkpoints" >&2; exit 1; }
cp "$best" "$OUT"
echo "select: shipped iteration $(basename "$best" .traineddata) (plates, vehicles: ${best_key% *})" >&2
