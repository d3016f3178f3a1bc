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
  "$work/long_search_base" "$work/long_search_base_bf16"
$r1 init --config demo/countdown.json --tokenizer "$work/tok" --dtype f32 --seed 1 --out "$work/init"
$r1 data tokenize --model "$work/init" --input "$work/corpus.jsonl" --out "$work/corpus.bin"
$r1 pretrain --model "$work/init" --data "$work/corpus.bin" --out "$work/base" --steps 8000 \
  --batch 8 --seq-len 256 --lr 3e-3 --warmup 100 --save-every 500 --aux-alpha 1e-4 \
  --bias-update-gamma 1e-3 --overwrite
# The second stage starts from the bf16 model, as measured (README).
$r1 convert --model "$work/base" --out "$work/base_bf16" --type bf16

# A continued-pretraining stage at a constant lr 3e-4 on the problems written as search traces in
# which every failed check is followed by another attempt: corpus, tokens, pretraining, bf16 copy
# (WORK/NAME_base_bf16).
search_stage() {  # name from_model steps batch seq_len seed corpus-flags...
  local name=$1 from=$2 steps=$3 batch=$4 seq_len=$5 seed=$6
  shift 6
  $r1 task corpus --task countdown --knob max_number=20 --n 100000 --seed 7 --check-fraction 0.3 \
    --retry-fraction 1 --solved-fraction 0.5 --arithmetic-fraction 0.5 "$@" --out "$work/$name.jsonl"
  $r1 data tokenize --model "$work/init" --input "$work/$name.jsonl" --out "$work/$name.bin"
  $r1 pretrain --model "$from" --data "$work/$name.bin" --out "$work/${name}_base" --steps "$steps" \
    --batch "$batch" --seq-len "$seq_len" --lr 3e-4 --schedule constant --warmup 50 \
    --aux-alpha 1e-4 --bias-update-gamma 1e-3 --seed "$seed" --overwrite
  $r1 convert --model "$work/${name}_base" --out "$work/${name}_base_bf16" --type bf16
}

echo "== pretrain 2/3 (1500 steps on traces that always try again after a failed check)"
search_stage search "$work/base_bf16" 1500 8 256 3

echo "== pretrain 3/3 (1000 steps of 4 x 512 tokens, searches of up to 8 attempts)"
search_stage long_search "$work/search_base_bf16" 1000 4 512 4 --max-attempts 8
rm -rf "${out:?}"
cp -r "$work/long_search_base_bf16" "$out"
# The chat template renders the R1-Zero prompt GRPO trains on (as the main demo's models).
cp demo/r1_zero_chat_template.jinja "$out/chat_template.jinja"
echo "wrote $out"
