#!/usr/bin/env python3
# analyze.py DIR: per steady window (run.log's "connected in" + 30 s): tool CPU, RcvbufErrors, machine CPU outside the run.
import sys, re, json
d = sys.argv[1]
mon = [l.split() for l in open(f"{d}/monitor.log")]
runs = []
for l in open(f"{d}/run.log"):
    t, _, rest = l.partition(" ")
    m = re.match(r"(\d+)/(\d+) viewers connected", rest)
    if m:
        runs.append((float(t), int(m.group(1)), int(m.group(2))))
def row(t):
    return min(mon, key=lambda r: abs(float(r[0]) - t))
for t0, conn, n in runs:
    a, b = row(t0), row(t0 + 30)
    dt = float(b[0]) - float(a[0])
    cpu = (int(b[2]) - int(a[2])) / 100
    vm = conn * dt / 60
    outside = ((int(b[6]) - int(a[6])) - (int(b[7]) - int(a[7]))) / 100 if len(a) > 7 else float("nan")
    try:
        j = json.load(open(f"{d}/ems-{n}.json")); srv = j.get("serverCpuSecondsPerViewerMinute"); loss = j.get("lossPercent")
    except OSError:
        srv = loss = None
    print(f"N={n} conn={conn} tool {cpu:.1f} cpu-s/{dt:.1f}s ({cpu/dt*100:.0f}% core) = {cpu/vm:.4f} s/viewer-min; server {srv}; loss {loss}%;"
          f" RcvbufErrors +{int(b[3])-int(a[3])}; load {a[5]}->{b[5]}; other processes {outside/dt*100:.0f}% of a core")
