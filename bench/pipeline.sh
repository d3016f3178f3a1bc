#!/usr/bin/env bash
# Pipeline-parallel decode on one machine: 2 ranks x 1 thread (the layers split in two) against
# 1 process x 1 thread, in alternating rounds, with `r1 bench` on one model: one stream (the
# ranks take turns), then 2 streams (one process decodes both as one batch; the pipeline keeps
# one micro-batch on each rank). Prints tokens/s (all streams together) and each rank's peak RSS.
#   bench/pipeline.sh MODEL [ROUNDS] [R1]    (defaults: 3 rounds, build/r1)
set -euo pipefail
cd "$(dirname "$0")/.."
model="$1"
rounds="${2:-3}"
r1="$(realpath "${3:-build/r1}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mpi="mpirun --oversubscribe --allow-run-as-root -np 2 --bind-to none"

rates() {  # json file: "pp32 X t/s, tg32 Y t/s"
  python3 -c "
import json, sys
j = json.loads(open(sys.argv[1]).read())
pp = 'pp%d %.2f t/s, ' % (j['n_prompt'], j['pp_tokens_per_s']) if 'pp_tokens_per_s' in j else ''
print('%stg%d x%d %.2f t/s' % (pp, j['n_gen'], j['streams'], j['tg_tokens_per_s']))" "$1"
}
rss() {  # the ranks' peak RSS from /usr/bin/time lines
  grep -o 'peak rss [0-9]*' "$1" | awk '{printf "%s%.2f GB", sep, $3 / 1e6; sep = ", "} END {print ""}'
}
run() {  # launcher label r1-bench-args...
  local launcher="$1" label="$2"
  shift 2
  $launcher /usr/bin/time -f "peak rss %M" "$r1" bench --model "$model" -t 1 --json "$@" \
    > "$work/out.json" 2> "$work/err.txt"
  echo "round $round: $label: $(rates "$work/out.json") (peak RSS $(rss "$work/err.txt"))"
}

for round in $(seq "$rounds"); do
  run "" "1 process x 1 thread" -p 32 -n 32 -r 3
  run "$mpi" "2 ranks x 1 thread  " -p 32 -n 32 -r 3
  run "" "1 process x 1 thread" -p 0 -n 32 -r 3 --streams 2
  run "$mpi" "2 ranks x 1 thread  " -p 0 -n 32 -r 3 --streams 2
done
grep 'pipeline stage' "$work/err.txt"
