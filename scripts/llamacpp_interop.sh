#!/usr/bin/env bash
# GGUF interop with llama.cpp, outside CI (CI has no llama.cpp). Checks that
#  (a) GGUFs r1 exports (tiny deepseek2, qwen2, llama; f32 and q8_0) load in llama.cpp, which
#      tokenizes the prompt as r1 does and decodes greedily to the same tokens as r1;
#  (b) GGUFs that llama.cpp's llama-quantize writes (F16, BF16, Q8_0, Q4_0 from r1's f32 GGUF;
#      transformers, which convert_hf_to_gguf.py needs, is not installed here) load in r1,
#      which decodes them greedily to the same tokens as llama.cpp;
#  (c) r1's deepseek2 GGUFs with the MTP layer (llama.cpp's nextn tensors): what llama.cpp does
#      with them (the builds checked so far refuse them: "wrong number of tensors"), and that r1
#      reads them, and llama-quantize's Q8_0 of them, with MTP: speculative decoding gives the
#      file's plain greedy tokens, and the main model the same tokens as without the MTP layer.
# Usage: scripts/llamacpp_interop.sh LLAMA_CPP_SOURCE_DIR [LLAMA_CPP_BUILD_DIR]
# The build dir (default SOURCE/build) needs bin/llama-quantize and the static libraries
# (cmake -B build -DBUILD_SHARED_LIBS=OFF && cmake --build build --target llama-quantize llama).
# Prints, for every file, the max logit difference between the two; where greedy paths split it
# prints both top-2 at that point. Exits non-zero on any mismatch except a split of a quantised
# file at a near-tie (margin within twice the logit difference), which it counts and reports.
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_SRC=$(realpath "${1:?usage: $0 LLAMA_CPP_SOURCE_DIR [LLAMA_CPP_BUILD_DIR]}")
LLAMA_BUILD=$(realpath "${2:-$LLAMA_SRC/build}")
R1=$(realpath build/r1)
N=${N_PREDICT:-24}
PROMPT=${PROMPT:-"The GGUF file holds every tensor of the model, and llama.cpp reads it."}
WORK=$(mktemp -d /tmp/r1_llamacpp_interop.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -x "$R1" ] || { echo "build r1 first: bash scripts/build.sh r1" >&2; exit 2; }

echo "== llama.cpp greedy driver (scripts/llamacpp_greedy.cpp) against $LLAMA_BUILD"
g++ -O2 -std=c++17 -I"$LLAMA_SRC/include" -I"$LLAMA_SRC/ggml/include" scripts/llamacpp_greedy.cpp \
  "$LLAMA_BUILD/src/libllama.a" "$LLAMA_BUILD/ggml/src/libggml.a" \
  "$LLAMA_BUILD/ggml/src/libggml-cpu.a" "$LLAMA_BUILD/ggml/src/libggml-base.a" \
  -fopenmp -lpthread -o "$WORK/greedy"

# Tokenizers with exactly the presets' 1024 ids: llama.cpp samples over every row of the output
# while r1 leaves out ids past the tokenizer's vocabulary, so padding ids could differ.
cat /usr/share/common-licenses/* > "$WORK/corpus.txt"
for fam in deepseek-v3 qwen2 llama3; do
  "$R1" tokenizer train --corpus "$WORK/corpus.txt" --vocab-size 1024 --pre-tokenizer "$fam" \
    --out "$WORK/tok-$fam" --quiet > /dev/null
done

# deepseek2: the tiny V3 preset (MoE + shared expert + noaux_tc + YaRN + q_lora) with one expert
# group, since the llama.cpp of early 2025 routes without group limits.
"$R1" init --preset tiny --out "$WORK/cfg" --dtype f32 > /dev/null
/usr/bin/python3 - "$WORK/cfg/config.json" "$WORK/ds_config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["n_group"], c["topk_group"] = 1, 1
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
"$R1" init --config "$WORK/ds_config.json" --out "$WORK/deepseek2" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-deepseek-v3" > /dev/null
# qwen2: the tiny preset (tied embeddings, as R1-Distill-Qwen-1.5B) and an untied variant (as 7B+).
"$R1" init --preset tiny-qwen2 --out "$WORK/qwen2" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-qwen2" > /dev/null
/usr/bin/python3 - "$WORK/qwen2/config.json" "$WORK/qwen2_untied.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["tie_word_embeddings"] = False
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
"$R1" init --config "$WORK/qwen2_untied.json" --out "$WORK/qwen2-untied" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-qwen2" > /dev/null
# llama: Llama-3 rope scaling (llama.cpp's rope_freqs tensor) and q/k rows permuted for its RoPE.
"$R1" init --preset tiny-llama --out "$WORK/llama" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-llama3" > /dev/null

ids() { sed -n "s/^$1: *//p"; }

# Logits after the ids $2 (comma-separated) from r1 and llama.cpp: max difference relative to
# the largest |logit|, and with "top2" the two best of each, to tell near-ties from real errors.
logit_diff() {
  "$WORK/greedy" "$1" 1 "ids:$2" "$WORK/ll_logits.f32" > /dev/null
  "$R1" logits --model "$1" --tokens "$2" --out "$WORK/r1_logits.npy" > /dev/null
  /usr/bin/python3 - "$WORK/r1_logits.npy" "$WORK/ll_logits.f32" "$3" <<'EOF'
import numpy as np, sys
r1 = np.load(sys.argv[1])[-1]
ll = np.fromfile(sys.argv[2], dtype=np.float32)[: r1.size]
print(f"  logits: max |r1 - llama.cpp| / max |logit| = {np.abs(r1 - ll).max() / np.abs(ll).max():.2e}")
if sys.argv[3] == "top2":
    for name, l in (("r1", r1), ("llama.cpp", ll)):
        top = np.argsort(-l)[:2]
        print(f"    {name}: top-2 ids {top.tolist()} logits {l[top].tolist()}")
    a, b = int(np.argmax(r1)), int(np.argmax(ll))
    margin, err = abs(r1[a] - r1[b]), np.abs(r1 - ll).max()
    tie = margin <= 2 * err
    print(f"    r1's margin between the two picks {margin:.3g} vs max logit difference {err:.3g}: "
          + ("a near-tie that the two implementations' rounding decides" if tie else "NOT a near-tie"))
    sys.exit(0 if tie else 3)
EOF
}

# Compares r1 and llama.cpp on one GGUF: prompt ids, greedy ids, and the logits after the prompt
# (after the common prefix, where the greedy tokens part).
compare() {
  local gguf=$1 label=$2
  local ll r1_prompt r1_gen ll_prompt ll_gen
  ll=$("$WORK/greedy" "$gguf" "$N" "$PROMPT")
  ll_prompt=$(echo "$ll" | ids prompt)
  ll_gen=$(echo "$ll" | ids generated)
  r1_prompt=$(printf '%s' "$PROMPT" | "$R1" tokenize --model "$gguf" | tr -d '[]' | tr ',' ' ')
  r1_gen=$("$R1" generate --model "$gguf" --tokens "$(echo "$r1_prompt" | tr ' ' ',')" -n "$N" \
           --temperature 0 2> /dev/null | ids generated)
  echo "$label: prompt ids $([ "$ll_prompt" = "$r1_prompt" ] && echo same || echo DIFFER)" \
       "($(echo "$r1_prompt" | wc -w) tokens); greedy $N tokens" \
       "$([ "$ll_gen" = "$r1_gen" ] && echo same || echo DIFFER)"
  echo "  r1:        $r1_gen"
  echo "  llama.cpp: $ll_gen"
  if [ "$ll_prompt" = "$r1_prompt" ] && [ "$ll_gen" = "$r1_gen" ]; then
    logit_diff "$gguf" "$(echo "$ll_prompt" | tr ' ' ',')" ""
    return 0
  fi
  local common="" a=($r1_gen) b=($ll_gen) i
  for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
    [ "${a[$i]}" = "${b[$i]}" ] || break
    common="$common ${a[$i]}"
  done
  echo "  after the prompt and the $i common tokens:"
  [ "$ll_prompt" = "$r1_prompt" ] || return 1
  # A greedy path may split at a near-tie: quantised files round differently in the two
  # (llama.cpp quantises activations to 8 bits in every product, r1 only when decoding).
  logit_diff "$gguf" "$(echo "$ll_prompt$common" | tr -s ' ' ',')" top2 || return 1
  case "$(basename "$gguf")" in *f32*) return 1 ;; esac
  near_ties=$((near_ties + 1))
}

status=0
near_ties=0
echo "== (a) GGUFs written by r1 convert, decoded by llama.cpp and by r1"
for m in deepseek2 qwen2 qwen2-untied llama; do
  for t in f32 q8_0; do
    # llama.cpp's deepseek2 has no MTP layer: (c) checks the files with it.
    "$R1" convert --model "$WORK/$m" --out "$WORK/$m-$t.gguf" --type "$t" --quiet --no-mtp
    compare "$WORK/$m-$t.gguf" "r1 convert $m $t" || status=1
  done
  dir_gen=$("$R1" generate --model "$WORK/$m" --tokens "$(printf '%s' "$PROMPT" |
            "$R1" tokenize --model "$WORK/$m" | tr -d '[]')" -n "$N" --temperature 0 2> /dev/null |
            ids generated)
  gguf_gen=$("$R1" generate --model "$WORK/$m-f32.gguf" --tokens "$(printf '%s' "$PROMPT" |
             "$R1" tokenize --model "$WORK/$m-f32.gguf" | tr -d '[]')" -n "$N" --temperature 0 \
             2> /dev/null | ids generated)
  echo "r1 safetensors vs r1 f32 GGUF ($m): $([ "$dir_gen" = "$gguf_gen" ] && echo same || echo DIFFER)"
  [ "$dir_gen" = "$gguf_gen" ] || status=1
done

echo "== (b) GGUFs written by llama-quantize, decoded by r1 and by llama.cpp"
for m in deepseek2 qwen2 qwen2-untied llama; do
  for t in F16 BF16 Q8_0; do
    "$LLAMA_BUILD/bin/llama-quantize" "$WORK/$m-f32.gguf" "$WORK/$m-lq-$t.gguf" "$t" > /dev/null 2>&1
    compare "$WORK/$m-lq-$t.gguf" "llama-quantize $m $t" || status=1
  done
  # Q4_0 gives the output head Q6_K unless told otherwise; r1 reads Q8_0.
  "$LLAMA_BUILD/bin/llama-quantize" --output-tensor-type q8_0 "$WORK/$m-f32.gguf" \
    "$WORK/$m-lq-q4_0.gguf" Q4_0 > /dev/null 2>&1
  compare "$WORK/$m-lq-q4_0.gguf" "llama-quantize $m Q4_0 (output Q8_0)" || status=1
done
"$LLAMA_BUILD/bin/llama-quantize" "$WORK/qwen2-f32.gguf" "$WORK/qwen2-q4_1.gguf" Q4_1 > /dev/null 2>&1
echo "llama-quantize Q4_1 (a type r1 does not read), in r1 (a clear error expected):"
if "$R1" generate --model "$WORK/qwen2-q4_1.gguf" --tokens 1,2,3 -n 1 > "$WORK/err.txt" 2>&1; then
  echo "  loaded, but Q4_1 should be refused" && status=1
else
  sed 's/^/  /' "$WORK/err.txt"
fi
echo "== (c) deepseek2 GGUFs with the MTP layer (nextn tensors)"
gen_ids() {  # gen_ids MODEL [FLAGS...]: r1's greedy ids after the prompt
  local model=$1
  shift
  "$R1" generate --model "$model" --tokens "$(printf '%s' "$PROMPT" | "$R1" tokenize \
    --model "$model" | tr -d '[]')" -n "$N" --temperature 0 "$@" 2> /dev/null | ids generated
}
"$R1" convert --model "$WORK/deepseek2" --out "$WORK/mtp-f32.gguf" --type f32 --quiet 2> /dev/null
"$R1" convert --model "$WORK/deepseek2" --out "$WORK/mtp-q8_0.gguf" --type q8_0 --quiet 2> /dev/null
"$LLAMA_BUILD/bin/llama-quantize" "$WORK/mtp-f32.gguf" "$WORK/mtp-lq-q8_0.gguf" Q8_0 > /dev/null 2>&1
if "$WORK/greedy" "$WORK/mtp-f32.gguf" "$N" "$PROMPT" > "$WORK/ll_mtp.txt" 2>&1; then
  echo "llama.cpp loads the MTP file: greedy $N tokens" \
       "$([ "$(ids generated < "$WORK/ll_mtp.txt")" = "$(gen_ids "$WORK/deepseek2-f32.gguf")" ] &&
          echo same as r1 || echo DIFFER from r1)"
else
  echo "llama.cpp refuses the MTP file (r1 convert --no-mtp writes one it loads):"
  "$LLAMA_BUILD/bin/llama-cli" -m "$WORK/mtp-f32.gguf" -n 1 -p x 2>&1 | grep -m1 "error loading" |
    sed 's/^/  /' || true
fi
for f in mtp-f32 mtp-q8_0 mtp-lq-q8_0; do
  plain=$(gen_ids "$WORK/$f.gguf")
  spec=$(gen_ids "$WORK/$f.gguf" --speculative)
  case $f in
    mtp-f32) without=deepseek2-f32 ;; mtp-q8_0) without=deepseek2-q8_0 ;; *) without=deepseek2-lq-Q8_0 ;;
  esac
  without=$(gen_ids "$WORK/$without.gguf")
  echo "r1 $f: speculative vs plain greedy $([ "$plain" = "$spec" ] && echo same || echo DIFFER);" \
       "plain vs the file without MTP $([ "$plain" = "$without" ] && echo same || echo DIFFER)"
  [ "$plain" = "$spec" ] && [ "$plain" = "$without" ] || status=1
done
echo "== greedy paths that split at a near-tie (quantised files only): $near_ties"
[ "$status" = 0 ] && echo "== all interop checks passed" || echo "== some interop checks FAILED"
exit "$status"
