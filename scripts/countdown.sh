#!/usr/bin/env bash
# The "aha moment" on Countdown and DeepSeek-R1's pipeline against R1-Zero (issue 21), on 2
# cores. From the tiny DeepSeek-V3 MoE pretrained here on Countdown search traces
# (demo/base/countdown, reproduced by scripts/countdown_base.sh; its corpus checks an attempt in
# 30% of the documents and retries after a failed check in 7.5%, 15% in its last 2,500 steps,
# whose last 1,000 run on 512-token rows):
#   R1-Zero: GRPO on the base with the verifier's reward alone;
#   R1:      a cold-start SFT of the base on the readable verified traces of the R1-Zero run
#            after 10 steps (r1 reject --readable) and as many corpus documents that check every
#            attempt and answer after at most six, GRPO with a language-consistency reward,
#            rejection sampling of that model mixed with the pretraining corpus into an SFT of the
#            base, and a second GRPO; the script prints both runs' training seconds (README).
# Every model is evaluated on held-out problems (the eval split, 3-4 numbers) and out of
# distribution (5 numbers, more than any training problem). Writes OUT/base, OUT/rl (R1-Zero),
# OUT/r1/<stage>, OUT/summary.json and OUT/report.html (pass@1, attempts, checks, retries,
# response length over the steps, both runs side by side).
#   bash scripts/countdown.sh [OUT_DIR]          (default runs/countdown)
#   NP=2 bash scripts/countdown.sh               (every stage data parallel on mpirun -np 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh r1
out="${1:-runs/countdown}"
np="${NP:-1}"
r1=(./build/r1)
threads=()
if [ "$np" -gt 1 ]; then  # each rank gets its share of the cores
  r1=(mpirun --oversubscribe --allow-run-as-root -np "$np" ./build/r1)
  threads=(-t $(( $(nproc) / np > 0 ? $(nproc) / np : 1 )))
fi
# The base's problems: TinyZero's 3-4 numbers and targets 1-100, numbers 1-20 (not 1-99: a
# 4 M-parameter model pretrained for an hour checks two-digit products too unreliably for a
# check to pay; see README).
task=(--task countdown --knob max_number=20)
# The base's last pretraining stage ran on 512-token rows, so a search can run that long after the
# ~124-token prompt at positions it trained at (at 256 tokens R1's long searches are cut off; README).
max_tokens=512
rm -rf "$out"  # a rerun starts over (the training commands never replace a run unasked)
mkdir -p "$out/r1"

declare -A seconds
timed() {  # name command...: runs it, records its wall time
  local name=$1 t
  shift
  t=$(date +%s)
  "$@"
  seconds[$name]=$(( $(date +%s) - t ))
  echo "   $name: ${seconds[$name]} s"
}

# Held-out problems: 200 of the eval split x 4 samples at R1's evaluation sampling (temperature
# 0.6, top-p 0.95); out of distribution: 200 problems with 5 numbers.
evaluate() {  # model_dir
  "${r1[@]}" eval --model "$1" "${task[@]}" --problems 200 --samples 4 --max-tokens $max_tokens \
    --quiet --json "${threads[@]}" --out "$1/eval_samples.jsonl" > "$1/eval.json"
  "${r1[@]}" eval --model "$1" "${task[@]}" --knob min_numbers=5 --knob max_numbers=5 \
    --problems 200 --samples 4 --max-tokens $max_tokens --quiet --json "${threads[@]}" > "$1/eval_ood.json"
  echo "   $1: pass@1 $(sed 's/.*"pass@1":\([0-9.]*\).*/\1/' "$1/eval.json") held out," \
    "$(sed 's/.*"pass@1":\([0-9.]*\).*/\1/' "$1/eval_ood.json") out of distribution"
}

# GRPO as DAPO runs it (--variant dapo): token-mean loss, the clip-higher bound 0.28, groups whose
# rewards are all equal replaced by fresh ones (dynamic sampling); but no overlong penalty (it
# punishes the longest searches) and a small KL term to the model GRPO starts from (without it
# the checks drift into arithmetic that lands on the target, "T == T", and stop paying); rollouts
# at the given temperature; held-out pass@1 every 10 steps.
grpo() {  # model_dir|--resume out_dir steps temperature extra-flags...
  local source=(--model "$1") dir=$2 steps=$3 temperature=$4
  [ "$1" = --resume ] && source=(--resume)
  shift 4
  "${r1[@]}" grpo "${source[@]}" --out "$dir" "${task[@]}" --problems 20000 --steps "$steps" \
    --prompts 16 --group 8 --max-tokens $max_tokens --variant dapo --lr 2e-4 --beta 0.04 \
    --overlong-weight 0 --temperature "$temperature" --eval-every 10 --eval-problems 100 --quiet \
    "${threads[@]}" "$@"
}

# SFT data: traces beside as many search traces written as the pretraining corpus writes them,
# every failed check followed by another attempt; corpus-flags say how many check and solve.
mix_with_corpus() {  # traces.jsonl seed corpus_out.jsonl mixed_out.jsonl corpus-flags...
  local traces=$1 seed=$2 corpus=$3 mixed=$4
  shift 4
  ./build/r1 task corpus "${task[@]}" --n "$(wc -l < "$traces")" --seed "$seed" --retry-fraction 1 \
    --format prompt-completion "$@" --out "$corpus" > /dev/null
  cat "$traces" "$corpus" > "$mixed"
}

echo "== 1/7 base: the pretrained tiny DeepSeek-V3 MoE"
if [ ! -f demo/base/countdown/config.json ]; then
  echo "countdown.sh: no base model in demo/base/countdown; make it with" \
    "bash scripts/countdown_base.sh (about an hour on 2 cores)" >&2
  exit 1
fi
cp -r demo/base/countdown "$out/base"
evaluate "$out/base"

echo "== 2/7 R1-Zero: GRPO on the base, rewards from the verifier only"
# Paused after 10 steps to keep that checkpoint (R1's cold-start source below), then resumed:
# the same run as 100 steps straight.
timed r1_zero_early grpo "$out/base" "$out/rl" 100 1 --stop-at 10
cp -r "$out/rl" "$out/rl_step10"
timed r1_zero_rest grpo --resume "$out/rl" 100 1
seconds[r1_zero]=$(( seconds[r1_zero_early] + seconds[r1_zero_rest] ))
evaluate "$out/rl"

echo "== 3/7 R1 cold start: readable verified traces of the R1-Zero model, SFT of the base"
# From R1-Zero after 10 steps of its RL (the paper's cold start comes from an early R1-Zero
# model; readable: every attempt checked, every verdict true, reasoning all in the notation). It
# checks in about 15% of its samples, so 6,000 problems x 8 for one or two hundred traces.
timed cold_start_data "${r1[@]}" reject --model "$out/rl_step10" "${task[@]}" --problems 6000 \
  --samples 8 --max-per-problem 1 --readable --max-tokens $max_tokens --problem-seed 11 \
  --quiet "${threads[@]}" --out "$out/r1/cold_start.jsonl"
cold=$(wc -l < "$out/r1/cold_start.jsonl")
echo "   $cold cold-start traces"
if [ "$cold" -lt 8 ]; then
  echo "countdown.sh: the R1-Zero model wrote $cold readable verified traces (every attempt" \
    "checked, every verdict true) in 48,000 samples; too few for a cold start" >&2
  exit 1
fi
# As many corpus documents beside them, each checking every attempt and answering after at most
# six, 35% of them solved: traces that all end solved teach a search that never stops (51% of the
# samples unclosed at 256 and at 384 tokens without them; README).
mix_with_corpus "$out/r1/cold_start.jsonl" 14 "$out/r1/cold_corpus.jsonl" \
  "$out/r1/cold_sft_data.jsonl" --check-fraction 1 --solved-fraction 0.35 --max-attempts 6
timed cold_start_sft "${r1[@]}" sft --model "$out/base" --data "$out/r1/cold_sft_data.jsonl" \
  --out "$out/r1/cold_start" --steps 60 --batch 8 --seq-len 512 --lr 5e-4 --warmup 5 --quiet "${threads[@]}"
evaluate "$out/r1/cold_start"

echo "== 4/7 R1 reasoning RL: GRPO with the language-consistency reward"
# Rollouts at the evaluation temperature 0.6, and no format reward: a third of the cold-start
# model's searches are still open at the token limit, and with the format reward (or at
# temperature 1) the RL closes them by giving the search up, losing 8 points (README).
timed r1_rl1 grpo "$out/r1/cold_start" "$out/r1/rl1" 40 0.6 --consistency-weight 0.1 --format-weight 0
evaluate "$out/r1/rl1"

echo "== 5/7 R1 rejection sampling + SFT: the RL model's verified traces mixed with the corpus"
timed reject "${r1[@]}" reject --model "$out/r1/rl1" "${task[@]}" --problems 2000 --samples 2 \
  --max-per-problem 1 --max-tokens $max_tokens --problem-seed 12 --quiet "${threads[@]}" \
  --out "$out/r1/rejected.jsonl"
kept=$(wc -l < "$out/r1/rejected.jsonl")
mix_with_corpus "$out/r1/rejected.jsonl" 13 "$out/r1/corpus_mix.jsonl" "$out/r1/sft_data.jsonl" \
  --check-fraction 0.3 --solved-fraction 0.5
echo "   $kept verified traces + $kept corpus documents"
timed sft "${r1[@]}" sft --model "$out/base" --data "$out/r1/sft_data.jsonl" --out "$out/r1/sft" \
  --steps 150 --batch 8 --seq-len 512 --lr 5e-4 --warmup 10 --quiet "${threads[@]}"
evaluate "$out/r1/sft"

echo "== 6/7 R1 all-scenario RL: a second GRPO"
timed r1_rl2 grpo "$out/r1/sft" "$out/r1/final" 30 0.6 --consistency-weight 0.1 --format-weight 0
evaluate "$out/r1/final"

r1_total=$(( seconds[cold_start_sft] + seconds[r1_rl1] + seconds[reject] + seconds[sft] + seconds[r1_rl2] ))
echo "== 7/7 report (R1-Zero ${seconds[r1_zero]} s; R1 ${r1_total} s after its cold-start data)"
./build/r1 report --task countdown --out "$out" --trace-from "R1-Zero (GRPO)" \
  --stage "base (V3 MoE)=$out/base" \
  --stage "R1-Zero (GRPO)=$out/rl@${seconds[r1_zero]}" \
  --stage "R1 cold start (SFT)=$out/r1/cold_start@${seconds[cold_start_sft]}" \
  --stage "R1 reasoning RL=$out/r1/rl1@${seconds[r1_rl1]}" \
  --stage "R1 rejection SFT=$out/r1/sft@$(( seconds[reject] + seconds[sft] ))" \
  --stage "R1 (final GRPO)=$out/r1/final@${seconds[r1_rl2]}" \
  --curves "R1-Zero=$out/rl.metrics.jsonl" \
  --curves "R1 reasoning RL=$out/r1/rl1.metrics.jsonl" \
  --curves "R1 final RL=$out/r1/final.metrics.jsonl"
