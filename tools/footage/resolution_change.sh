#!/bin/sh
# Regenerates testvideos/faults/resolution_change.ts: one H.264 MPEG-TS stream whose picture size changes
# mid-stream (1 s of 320x240, then 1 s of 640x360), as a camera reconfigured while streaming sends it.
# Needs the ffmpeg command (Debian's ffmpeg; `make footage-deps`).
set -eu
out=${1:-testvideos/faults/resolution_change.ts}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=25 -t 1 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -f mpegts "$tmp/a.ts"
ffmpeg -v error -f lavfi -i testsrc=size=640x360:rate=25 -t 1 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p \
    -output_ts_offset 1 -f mpegts "$tmp/b.ts"
cat "$tmp/a.ts" "$tmp/b.ts" > "$out"
