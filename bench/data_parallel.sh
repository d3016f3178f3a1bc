#!/usr/bin/env bash
# Data-parallel scaling on one machine: 2 ranks x 1 thread against 1 rank x 1 thread, in
# alternating rounds, for pretraining the 48M V3 of bench/models/v3-train-50m.json and for GRPO
# on the demo's base model (8 x 8 rollouts of up to 80 tokens). Prints tokens/s (pretrain: the
# median step after the first) and seconds per GRPO step, and the time each rank spends in the
# gradient all-reduce.
#   bench/data_parallel.sh [ROUNDS] [R1]    (defaults: 3, build/r1)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
r1="$(realpath "${2:-build/r1}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mpi="mpirun --oversubscribe --allow-run-as-root -np 2 --bind-to none"

"$r1" init --config bench/models/v3-train-50m.json --dtype f32 --out "$work/m50" > /dev/null
python3 -c "
import random, struct
random.seed(0)
open('$work/corpus.bin', 'wb').write(struct.pack('<200000I', *[random.randrange(8192) for _ in range(200000)]))"

median() { python3 -c "import statistics,sys; print('%.1f' % statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
metric() {  # file key: the median of key over steps after the first
  python3 -c "
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]
print('%.4g' % statistics.median(r[sys.argv[2]] for r in rows))" "$1" "$2"
}

pretrain() {  # launcher out
  rm -rf "$work/$2" "$work/$2.metrics.jsonl"
  $1 "$r1" pretrain --model "$work/m50" --data "$work/corpus.bin" --out "$work/$2" --steps 5 \
    --batch 4 --seq-len 256 --mtp-lambda 0.3 --aux-alpha 1e-4 --bias-update-gamma 1e-3 -t 1 \
    --quiet > /dev/null 2>&1
}
grpo() {  # launcher out
  rm -rf "$work/$2" "$work/$2.metrics.jsonl"
  $1 "$r1" grpo --model demo/base/teacher --out "$work/$2" --task variables --problems 4000 \
    --steps 3 --prompts 8 --group 8 --max-tokens 80 --lr 5e-4 --beta 0.001 -t 1 --quiet \
    > /dev/null 2>&1
}

for round in $(seq "$rounds"); do
  pretrain "" p1
  pretrain "$mpi" p2
  echo "pretrain 50m round $round: 1x1 $(metric "$work/p1.metrics.jsonl" tokens_per_s) tokens/s," \
    "2x1 $(metric "$work/p2.metrics.jsonl" tokens_per_s) tokens/s" \
    "(all-reduce $(metric "$work/p2.metrics.jsonl" comm_s) s of $(metric "$work/p2.metrics.jsonl" step_s) s per step," \
    "$(metric "$work/p2.metrics.jsonl" comm_bytes) bytes)"
  grpo "" g1
  grpo "$mpi" g2
  step() { python3 -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print('%.2f' % (sum(r['generation_s'] + r['training_s'] for r in rows) / len(rows)))" "$1"; }
  echo "grpo demo round $round: 1x1 $(step "$work/g1.metrics.jsonl") s/step," \
    "2x1 $(step "$work/g2.metrics.jsonl") s/step (same rollouts: $(cmp -s <(grep -o '"generated_tokens":[0-9]*' "$work/g1.metrics.jsonl") <(grep -o '"generated_tokens":[0-9]*' "$work/g2.metrics.jsonl") && echo yes || echo no))"
done
