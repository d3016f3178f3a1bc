#!/usr/bin/env bash
# Tools in RL, end to end in about 17 minutes on 2 cores: a task a tiny model cannot do in its
# head (`arithmetic`, two 3-digit operands, + - *) but can with a calculator. Pretrains a tiny
# dense Qwen2 base on a corpus where 90% of the prompts offer the calculator and 90% of those
# documents call it (the question's expression copied into the call, its output, the answer
# copied from the output); every other document answers with a quick guess near the answer, as
# a tiny model would. Then GRPO with
# `--tools calculator` and GRPO without, same steps, prompts, samples and token budget, and
# `r1 eval` of each on held-out problems. Writes OUT/summary.json, OUT/report.html (held-out
# accuracy and tool-call rate per stage, the curves of both runs) and the models under OUT/.
#   bash scripts/demo_tools.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh r1
r1=./build/r1
out="${1:-runs/demo-tools}"
task=(--task arithmetic --knob digits=3 --knob operands=2)
tool_tokens='<｜tool▁calls▁begin｜>,<｜tool▁calls▁end｜>,<｜tool▁call▁begin｜>,<｜tool▁call▁end｜>,<｜tool▁sep｜>,<｜tool▁outputs▁begin｜>,<｜tool▁outputs▁end｜>,<｜tool▁output▁begin｜>,<｜tool▁output▁end｜>'
rm -rf "$out"  # a rerun starts over (the training commands never replace a run unasked)
mkdir -p "$out"
seconds_since() { echo $(( $(date +%s) - $1 )); }

# Held-out problems (the eval split, never trained on): 200 problems x 2 samples at R1's
# evaluation sampling; `--tools calculator` where the model was trained with it.
evaluate() {  # model_dir [--tools calculator]
  local dir=$1
  shift
  $r1 eval --model "$dir" "${task[@]}" --problems 200 --samples 2 --max-tokens 64 --quiet --json \
    --out "$dir/eval_samples.jsonl" "$@" > "$dir/eval.json"
  echo "   held-out pass@1 $(sed 's/.*"pass@1":\([0-9.]*\).*/\1/' "$dir/eval.json")"
}
# GRPO: 8 prompts x 8 samples per step, 64 sampled tokens per completion at most, held-out
# pass@1 every 10 steps; the tool run adds --tools calculator (tool outputs masked out of the loss).
grpo() {  # out_dir [--tools calculator]
  local dir=$1
  shift
  $r1 grpo --model "$out/base" --out "$dir" "${task[@]}" --problems 4000 --steps 40 --prompts 8 \
    --group 8 --max-tokens 64 --lr 1e-4 --beta 0.001 --eval-every 10 --eval-problems 50 --quiet "$@"
}

echo "== 1/5 corpus and tokenizer"
t=$(date +%s)
$r1 task corpus "${task[@]}" --n 40000 --seed 7 --worked-fraction 0 --tool-prompt-fraction 0.9 \
  --tool-call-fraction 0.9 --out "$out/corpus.jsonl" --text-out "$out/corpus.txt"
$r1 tokenizer train --corpus "$out/corpus.txt" --vocab-size 512 --pre-tokenizer llama3 \
  --special-tokens "$tool_tokens" --out "$out/tok" --quiet

echo "== 2/5 base: a tiny dense Qwen2 pretrained on the corpus"
# Copying (the question's numbers into the call, the output into the answer) appears abruptly
# between steps 1,000 and 1,500 of this 2,500-step cosine schedule; it stops at step 2,000, the
# learning rate still high, where the base copies almost always.
$r1 init --config demo/student.json --tokenizer "$out/tok" --dtype f32 --seed 1 --out "$out/init"
$r1 data tokenize --model "$out/init" --input "$out/corpus.jsonl" --out "$out/corpus.bin"
$r1 pretrain --model "$out/init" --data "$out/corpus.bin" --out "$out/base" --steps 2500 \
  --stop-at 2000 --batch 8 --seq-len 256 --lr 3e-3 --warmup 30 --quiet
base_seconds=$(seconds_since "$t")
evaluate "$out/base" --tools calculator

echo "== 3/5 GRPO with the calculator"
t=$(date +%s)
grpo "$out/rl-tools" --tools calculator --tool-turns 2
tools_seconds=$(seconds_since "$t")
evaluate "$out/rl-tools" --tools calculator

echo "== 4/5 GRPO without tools (text only), same budget"
t=$(date +%s)
grpo "$out/rl-text"
text_seconds=$(seconds_since "$t")
evaluate "$out/rl-text"

echo "== 5/5 report"
$r1 report --task arithmetic --out "$out" --trace-from "tool RL" \
  --stage "base (calculator offered)=$out/base@$base_seconds" \
  --stage "tool RL=$out/rl-tools@$tools_seconds" \
  --stage "text-only RL=$out/rl-text@$text_seconds" \
  --curves "GRPO with --tools calculator=$out/rl-tools.metrics.jsonl" \
  --curves "GRPO without tools=$out/rl-text.metrics.jsonl"
