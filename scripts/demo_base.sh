#!/usr/bin/env bash
# Reproduces the demo's shipped base models (demo/base/teacher, demo/base/student) from nothing:
# a pretraining corpus of `variables` problems in the R1-Zero format (30% with a worked
# solution, 70% with a quick guess; train split only), a byte-level BPE tokenizer trained on it,
# then the tiny DeepSeek-V3 MoE teacher (demo/teacher.json) and the smaller dense Qwen2 student
# (demo/student.json) pretrained from random weights, saved in bf16. About an hour on 2 cores.
#   bash scripts/demo_base.sh [WORK_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh r1
r1=./build/r1
work="${1:-build/demo-base}"
out="${2:-demo/base}"
mkdir -p "$work"

echo "== corpus and tokenizer"
$r1 task corpus --task variables --n 40000 --seed 7 --worked-fraction 0.3 \
  --out "$work/corpus.jsonl" --text-out "$work/corpus.txt"
$r1 tokenizer train --corpus "$work/corpus.txt" --vocab-size 512 --pre-tokenizer llama3 \
  --out "$work/tok" --quiet

pretrain() {  # name config steps stop-at extra-flags...
  local name=$1 config=$2 steps=$3 stop_at=$4
  shift 4
  echo "== pretrain $name ($config, $stop_at of a $steps-step schedule)"
  rm -rf "$work/$name-init" "$work/$name"
  $r1 init --config "$config" --tokenizer "$work/tok" --dtype f32 --seed 1 --out "$work/$name-init"
  $r1 data tokenize --model "$work/$name-init" --input "$work/corpus.jsonl" --out "$work/corpus.bin"
  # A rerun starts each model over: --overwrite replaces the last run's metrics too.
  $r1 pretrain --model "$work/$name-init" --data "$work/corpus.bin" --out "$work/$name" \
    --steps "$steps" --stop-at "$stop_at" --batch 8 --seq-len 256 --lr 3e-3 --warmup 30 \
    --save-every 500 --overwrite "$@"
  rm -rf "${out:?}/$name"
  $r1 convert --model "$work/$name" --out "$out/$name" --type bf16
  # The chat template renders the R1-Zero prompt GRPO trains on, so `r1 chat` and `r1 serve`
  # ask the demo's models (and every model trained from them) the way they were trained.
  cp demo/r1_zero_chat_template.jinja "$out/$name/chat_template.jinja"
}

# The teacher stops at step 4000 of a 7000-step cosine schedule (the learning rate still high):
# by then it looks values up and adds reliably when it works a problem out.
pretrain teacher demo/teacher.json 7000 4000 --mtp-lambda 0.3 --aux-alpha 1e-4 --bias-update-gamma 1e-3
pretrain student demo/student.json 4000 4000
echo "wrote $out/teacher and $out/student"
