#!/usr/bin/env bash
# Reproduces the Countdown base model (demo/base/countdown) from nothing, about 80 min on 2 cores: a
# corpus of Countdown search traces (train split only, numbers 1-20; 30% of the documents check
# their attempt step by step against the target, half the failed checks are followed by another
# attempt (7.5% of the documents), the rest only state an attempt; rl/search_trace.h), half
# as many documents that only evaluate combinations of a problem's numbers (the arithmetic a check
# needs, outside the R1-Zero format), a byte-level BPE tokenizer trained on it, and a
# tiny DeepSeek-V3 MoE (demo/countdown.json: MLA, shared + routed experts, bias-balanced routing)
# pretrained from random weights; then 1,500 steps at a low constant rate on the same problems
# written so that every failed check is followed by another attempt (15% of the documents retry,
# 70% still only state an attempt): a model that, once it checks and fails, tries again, so that
# GRPO can pay for checking (README, "Why these settings"); last, 1,000 steps on 512-token rows of
# the same documents with searches of up to 8 attempts, so that the positions a long search reaches
# after the ~124-token R1-Zero prompt are trained ones. Saved in bf16.
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

echo "== pretrain 1/3 (8000 steps of 8 x 256 tokens)"
rm -rf "$work/init" "$work/base" "$work/base_bf16" "$work/search_base" "$work/search_base_bf16" \
  "$work/long_base"
$r1 init --config demo/countdown.json --tokenizer "$work/tok" --dtype f32 --seed 1 --out "$work/init"
$r1 data tokenize --model "$work/init" --input "$work/corpus.jsonl" --out "$work/corpus.bin"
$r1 pretrain --model "$work/init" --data "$work/corpus.bin" --out "$work/base" --steps 8000 \
  --batch 8 --seq-len 256 --lr 3e-3 --warmup 100 --save-every 500 --aux-alpha 1e-4 \
  --bias-update-gamma 1e-3 --overwrite
# The second stage starts from the bf16 model, as measured (README).
$r1 convert --model "$work/base" --out "$work/base_bf16" --type bf16

echo "== pretrain 2/3 (1500 steps on traces that always try again after a failed check)"
$r1 task corpus --task countdown --knob max_number=20 --n 100000 --seed 7 --check-fraction 0.3 \
  --retry-fraction 1 --solved-fraction 0.5 --arithmetic-fraction 0.5 --out "$work/search.jsonl"
$r1 data tokenize --model "$work/init" --input "$work/search.jsonl" --out "$work/search.bin"
$r1 pretrain --model "$work/base_bf16" --data "$work/search.bin" --out "$work/search_base" \
  --steps 1500 --batch 8 --seq-len 256 --lr 3e-4 --schedule constant --warmup 50 --aux-alpha 1e-4 \
  --bias-update-gamma 1e-3 --seed 3 --overwrite
$r1 convert --model "$work/search_base" --out "$work/search_base_bf16" --type bf16

echo "== pretrain 3/3 (1000 steps of 4 x 512 tokens, searches of up to 8 attempts)"
$r1 task corpus --task countdown --knob max_number=20 --n 100000 --seed 7 --check-fraction 0.3 \
  --retry-fraction 1 --solved-fraction 0.5 --arithmetic-fraction 0.5 --max-attempts 8 \
  --out "$work/long_search.jsonl"
$r1 data tokenize --model "$work/init" --input "$work/long_search.jsonl" --out "$work/long_search.bin"
$r1 pretrain --model "$work/search_base_bf16" --data "$work/long_search.bin" --out "$work/long_base" \
  --steps 1000 --batch 4 --seq-len 512 --lr 3e-4 --schedule constant --warmup 50 --aux-alpha 1e-4 \
  --bias-update-gamma 1e-3 --seed 4 --overwrite
rm -rf "${out:?}"
$r1 convert --model "$work/long_base" --out "$out" --type bf16
# The chat template renders the R1-Zero prompt GRPO trains on (as the main demo's models).
cp demo/r1_zero_chat_template.jinja "$out/chat_template.jinja"
echo "wrote $out"
