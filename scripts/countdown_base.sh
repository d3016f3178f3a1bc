#!/usr/bin/env bash
# Reproduces the Countdown base model (demo/base/countdown) from nothing, about an hour on 2 cores: a
# corpus of Countdown search traces (train split only, numbers 1-20; 30% of the documents check
# their attempt step by step against the target, 30% of the failed checks are followed by another
# attempt (about 4% of the documents), the rest only state an attempt; rl/search_trace.h), half
# as many documents that only evaluate combinations of a problem's numbers (the arithmetic a check
# needs, outside the R1-Zero format), a byte-level BPE tokenizer trained on it, and a
# tiny DeepSeek-V3 MoE (demo/countdown.json: MLA, shared + routed experts, bias-balanced routing)
# pretrained from random weights, saved in bf16.
#   bash scripts/countdown_base.sh [WORK_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh r1
r1=./build/r1
work="${1:-build/countdown-base}"
out="${2:-demo/base/countdown}"
mkdir -p "$work"

echo "== corpus and tokenizer"
$r1 task corpus --task countdown --knob max_number=20 --n 100000 --seed 7 --check-fraction 0.3 \
  --retry-fraction 0.5 --solved-fraction 0.5 --arithmetic-fraction 0.5 \
  --out "$work/corpus.jsonl" --text-out "$work/corpus.txt"
$r1 tokenizer train --corpus "$work/corpus.txt" --vocab-size 512 --pre-tokenizer llama3 \
  --out "$work/tok" --quiet

echo "== pretrain (8000 steps of 8 x 256 tokens)"
rm -rf "$work/init" "$work/base"
$r1 init --config demo/countdown.json --tokenizer "$work/tok" --dtype f32 --seed 1 --out "$work/init"
$r1 data tokenize --model "$work/init" --input "$work/corpus.jsonl" --out "$work/corpus.bin"
$r1 pretrain --model "$work/init" --data "$work/corpus.bin" --out "$work/base" --steps 8000 \
  --batch 8 --seq-len 256 --lr 3e-3 --warmup 100 --save-every 500 --aux-alpha 1e-4 \
  --bias-update-gamma 1e-3 --overwrite
rm -rf "${out:?}"
$r1 convert --model "$work/base" --out "$out" --type bf16
# The chat template renders the R1-Zero prompt GRPO trains on (as the main demo's models).
cp demo/r1_zero_chat_template.jinja "$out/chat_template.jinja"
echo "wrote $out"
