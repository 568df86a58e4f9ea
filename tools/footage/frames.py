#!/usr/bin/python3
"""Cuts one JPEG still per bundled clip, mid-way through its second vehicle's readable frames.

`platewatch read --json` is checked against these stills (EndToEndTests/CommandLineTests). The name
carries the clip and frame index (clip01_day_720p_f0057.jpg), so the ground truth JSON says which plate
is in it. Deterministic: ffmpeg's mjpeg encoder in bitexact mode.
"""
import glob
import json
import os
import subprocess
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else "testvideos"
out = os.path.join(folder, "frames")
os.makedirs(out, exist_ok=True)
for old in glob.glob(os.path.join(out, "*.jpg")):
    os.remove(old)
for truth_path in sorted(glob.glob(os.path.join(folder, "*.json"))):
    truth = json.load(open(truth_path))
    vehicle = truth["vehicles"][1]
    index = (vehicle["first_frame"] + vehicle["last_frame"]) // 2
    name = f"{truth['video'][:-4]}_f{index:04d}.jpg"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", os.path.join(folder, truth["video"]),
         "-vf", f"select=eq(n\\,{index})", "-frames:v", "1", "-q:v", "3",
         "-fflags", "+bitexact", "-flags:v", "+bitexact", os.path.join(out, name)],
        check=True)
    print(f"{name}: {vehicle['display']}")
