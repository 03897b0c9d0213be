#!/bin/bash
# A/B of the multi-unit step kernel (paper 001 Figs. 5G/6G): two bench_multi_unit binaries (e.g. an
# older commit's build and this one) alternated in the same minutes, batch 8, one 20 000-step
# trial, 3 repeats per process, thread CPU time. Prints one line per repeat:
#   LABEL NOISE STORAGE us_per_network_step fraction_of_peak peak_gflops
# usage: bench/ab_multi_unit.sh OLD_BENCH NEW_BENCH [ROUNDS] [NOISE on|off] [STORAGE float32|float16]
# Take the median per (LABEL, NOISE, STORAGE) (docs/performance.md, "Session 9").
OLD=$1 NEW=$2 R=${3:-3} NOISE=${4:-on} ST=${5:-float32}
for r in $(seq "$R"); do
  for b in old new; do
    BIN=$OLD; [ $b = new ] && BIN=$NEW
    "$BIN" 8 20000 float32 unit_major 3 "$NOISE" "$ST" 2>/dev/null | /usr/bin/python3 -c "
import sys, json
for line in sys.stdin:
    d = json.loads(line)
    print('$b', '$NOISE', '$ST', round(d['cpu_seconds'] / (8 * 20000) * 1e6, 4), round(d['fraction_of_peak'], 4), round(d['peak_fma_gflops'], 1))"
  done
done
