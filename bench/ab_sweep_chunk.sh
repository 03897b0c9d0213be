#!/bin/bash
# A/B of a 400-initialisation sweep chunk (paper 001 Fig. 5G): networks 0-63 x TRIALS trials,
# float32, 2 threads, nice 19, two einet binaries alternated. Prints wall and CPU (user + sys)
# seconds per run; the whole sweep is 400/64 x 1000/TRIALS such chunks.
# usage: bench/ab_sweep_chunk.sh OLD_EINET NEW_EINET [TRIALS] [ROUNDS] [extra --set options...]
OLD=$1 NEW=$2 T=${3:-50} R=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
for r in $(seq "$R"); do
  for b in old new; do
    BIN=$OLD; [ $b = new ] && BIN=$NEW
    out=$(mktemp -d)
    s=$(date +%s.%N); l0=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "%U %S" -o "$out/time" nice -n 19 "$BIN" run experiments/p001_fig5g.toml --out "$out/run" \
      --set run.batch=64 --set run.first_network=0 --set model.precision=float32 --set protocol.trials="$T" \
      "$@" --threads 2 --no-report > /dev/null 2>&1
    rc=$?; e=$(date +%s.%N)
    echo "$b trials=$T rc=$rc wall=$(echo "$e - $s" | bc) cpu=$(awk '{print $1 + $2}' "$out/time") load_start=$l0 load_end=$(cut -d' ' -f1 /proc/loadavg) $(date -u +%H:%M:%S)"
    rm -rf "$out"
  done
done
