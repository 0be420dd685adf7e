#!/usr/bin/env bash
# Regenerates samples/test.flv: 10 s of 640x360 H.264 Baseline (keyframe every 2 s, no B-frames, ~500 kb/s)
# and 48 kHz AAC (a 440 Hz tone), the looping demo stream of the file source.
set -euo pipefail
out=${1:-"$(dirname "$0")/test.flv"}
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -g 60 -bf 0 -b:v 500k -maxrate 600k -bufsize 1M \
  -c:a aac -b:a 64k -t 10 -f flv "$out"
