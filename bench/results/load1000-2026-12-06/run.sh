#!/usr/bin/env bash
# run.sh TAG WORKTREE [extra env...]: one capacity run with the monitor beside it, stderr/stdout timestamped (as run for
# docs/BENCHMARKS.md "Load tool: judging 1,000 viewers"; it kept its files in /work/loadmon/TAG, and analyze.py TAG prints
# the tool's CPU per viewer-minute over each steady phase). Needs root, as bench/capacity/run does.
tag=$1 wt=$2; shift 2
mkdir -p /work/loadmon/$tag
/work/loadmon/monitor.py /work/loadmon/$tag/monitor.log & mon=$!
cd "$wt" && env "$@" SKIP_BUILD=1 SERVERS=ems COUNTS="${COUNTS:-100 250 500 1000}" DURATION=30 RESULTS=/work/loadmon/$tag bench/capacity/run 2>&1 \
  | while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N | cut -c1-14)" "$line"; done > /work/loadmon/$tag/run.log
kill $mon
