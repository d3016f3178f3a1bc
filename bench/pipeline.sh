#!/usr/bin/env bash
# Pipeline-parallel decode on one machine: 2 ranks x 1 thread (the layers split in two) against
# 1 process x 1 thread, in alternating rounds, with `r1 bench` on one model. Prints prompt and
# generation tokens/s of each and every rank's peak RSS (/usr/bin/time).
#   bench/pipeline.sh MODEL [ROUNDS] [R1]    (defaults: 3 rounds, build/r1)
set -euo pipefail
cd "$(dirname "$0")/.."
model="$1"
rounds="${2:-3}"
r1="$(realpath "${3:-build/r1}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mpi="mpirun --oversubscribe --allow-run-as-root -np 2 --bind-to none"
args=(bench --model "$model" -p 32 -n 32 -r 3 -t 1 --json)

rates() {  # json file: "pp32 X t/s, tg32 Y t/s"
  python3 -c "
import json, sys
j = json.loads(open(sys.argv[1]).read())
print('pp32 %.2f t/s, tg32 %.2f t/s' % (j['pp_tokens_per_s'], j['tg_tokens_per_s']))" "$1"
}
rss() {  # the ranks' peak RSS from /usr/bin/time lines
  grep -o 'peak rss [0-9]*' "$1" | awk '{printf "%s%.2f GB", sep, $3 / 1e6; sep = ", "} END {print ""}'
}

for round in $(seq "$rounds"); do
  /usr/bin/time -f "peak rss %M" "$r1" "${args[@]}" > "$work/one.json" 2> "$work/one.err"
  echo "round $round: 1 process x 1 thread: $(rates "$work/one.json") (peak RSS $(rss "$work/one.err"))"
  $mpi /usr/bin/time -f "peak rss %M" "$r1" "${args[@]}" > "$work/two.json" 2> "$work/two.err"
  echo "round $round: 2 ranks x 1 thread:   $(rates "$work/two.json") (peak RSS per rank $(rss "$work/two.err"))"
done
grep 'pipeline stage' "$work/two.err"
