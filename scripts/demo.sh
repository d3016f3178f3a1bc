#!/usr/bin/env bash
# The main job: the DeepSeek-R1 recipe end to end on a laptop-sized problem, in about 15 minutes
# on 2 cores. Starting from a tiny DeepSeek-V3-architecture MoE (MLA, shared + routed experts,
# MTP) pretrained here on `variables` problems (demo/base, reproduced by scripts/demo_base.sh),
# it evaluates the base on held-out problems, trains it with GRPO on rule-based rewards alone
# (R1-Zero), evaluates it, distills its verified reasoning traces into a smaller dense Qwen2
# student, evaluates that, and trains the same student with GRPO alone at the same rollout
# budget as the control. Writes runs/demo/summary.json, runs/demo/report.html (the R1-Zero
# curves) and the models under runs/demo/<stage>/.
#   bash scripts/demo.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh r1
r1=./build/r1
out="${1:-runs/demo}"
task=variables
rm -rf "$out"  # a rerun starts over (the training commands never replace a run unasked)
mkdir -p "$out"

# Held-out problems (the eval split, never trained on): 200 problems x 4 samples each, R1's
# evaluation sampling (temperature 0.6, top-p 0.95).
evaluate() {  # model_dir
  $r1 eval --model "$1" --task $task --problems 200 --samples 4 --max-tokens 80 --quiet --json \
    --out "$1/eval_samples.jsonl" > "$1/eval.json"
  echo "   held-out pass@1 $(sed 's/.*"pass@1":\([0-9.]*\).*/\1/' "$1/eval.json")"
}
# GRPO with the R1-Zero template: 8 prompts x 8 samples per step, one update per batch, k3 KL
# to the base (beta 0.001 as in R1-Zero), held-out pass@1 every 10 steps; metrics in OUT.metrics.jsonl.
grpo() {  # model_dir out_dir
  $r1 grpo --model "$1" --out "$2" --task $task --problems 4000 --steps 60 --prompts 8 \
    --group 8 --max-tokens 80 --lr 5e-4 --beta 0.001 --eval-every 10 --eval-problems 100
}
seconds_since() { echo $(( $(date +%s) - $1 )); }

echo "== 1/6 base: the pretrained tiny DeepSeek-V3 MoE"
cp -r demo/base/teacher "$out/base"
evaluate "$out/base"

echo "== 2/6 R1-Zero: GRPO on the base, rewards from the verifier only"
t=$(date +%s)
grpo "$out/base" "$out/rl"
rl_seconds=$(seconds_since "$t")
evaluate "$out/rl"

echo "== 3/6 the student's base: a smaller dense Qwen2, pretrained on the same corpus"
cp -r demo/base/student "$out/student-base"
evaluate "$out/student-base"

echo "== 4/6 distillation: the RL model's verified traces, then the student's SFT"
t=$(date +%s)
$r1 distill --teacher "$out/rl" --student "$out/student-base" --task $task --problems 800 \
  --samples 4 --max-per-problem 1 --max-tokens 80 --steps 200 --batch 8 --seq-len 256 \
  --lr 1e-3 --warmup 10 --quiet --out "$out/distilled"
distill_seconds=$(seconds_since "$t")
evaluate "$out/distilled"

echo "== 5/6 control: the same student trained by GRPO alone, same rollout budget as stage 2"
t=$(date +%s)
grpo "$out/student-base" "$out/student-rl"
student_rl_seconds=$(seconds_since "$t")
evaluate "$out/student-rl"

echo "== 6/6 report"
$r1 report --task $task --out "$out" --trace-from "RL (GRPO)" \
  --stage "base (V3 MoE)=$out/base" \
  --stage "RL (GRPO)=$out/rl@$rl_seconds" \
  --stage "student base (Qwen2)=$out/student-base" \
  --stage "distilled student=$out/distilled@$distill_seconds" \
  --stage "RL-only student=$out/student-rl@$student_rl_seconds" \
  --curves "R1-Zero: GRPO on the V3 MoE base=$out/rl.metrics.jsonl" \
  --curves "control: GRPO on the Qwen2 student=$out/student-rl.metrics.jsonl"
