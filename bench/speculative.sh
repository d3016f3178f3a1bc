#!/usr/bin/env bash
# MTP self-speculative decoding against plain greedy decoding: for every model (a checkpoint
# directory or a GGUF file with an MTP layer) and every prompt (one per line of PROMPTS), `r1
# generate` plain then `--speculative`, alternating, ROUNDS times. Prints per model the median
# decode tokens/s of each (prefill excluded), their ratio, the MTP acceptance rate and whether the
# two decoded the same tokens (they must).
#   bench/speculative.sh PROMPTS [-n TOKENS] [-r ROUNDS] [-t THREADS] MODEL...
#   (defaults: 128 tokens, 3 rounds, 1 thread; r1 from build/r1 or $R1)
set -euo pipefail
prompts="$(realpath "${1:?usage: $0 PROMPTS [-n N] [-r N] [-t N] MODEL...}")"; shift
n=128 rounds=3 t=1
while [[ $# -gt 0 && "$1" == -* ]]; do
  case "$1" in
    -n) n="$2" ;; -r) rounds="$2" ;; -t) t="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ $# -gt 0 ]] || { echo "usage: $0 PROMPTS [-n N] [-r N] [-t N] MODEL..." >&2; exit 2; }
r1="$(realpath "${R1:-$(dirname "$0")/../build/r1}")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
  for m in "$@"; do
    i=0
    while IFS= read -r prompt; do
      [[ -n "$prompt" ]] || continue
      for mode in plain speculative; do
        flag=""; [[ "$mode" == speculative ]] && flag="--speculative"
        "$r1" generate --model "$m" --prompt "$prompt" -n "$n" --temperature 0 -t "$t" $flag \
          > "$out/text" 2> "$out/err"
        printf '%s\t%d\t%d\t%s\t%s\t%s\n' "$m" "$r" "$i" "$mode" \
          "$(grep -o 'generated: [0-9]* tokens in [0-9.]* s' "$out/err")" \
          "$(grep -o 'accepted [0-9]*/[0-9]*' "$out/err" || true)" >> "$out/runs.tsv"
        md5sum < "$out/text" | cut -c1-32 > "$out/$mode.$r.$i.$(basename "$m").md5"
      done
      cmp -s "$out/plain.$r.$i.$(basename "$m").md5" "$out/speculative.$r.$i.$(basename "$m").md5" ||
        echo "DIFFERENT TEXT: $m prompt $i round $r" | tee -a "$out/differ.txt"
      i=$((i + 1))
    done < "$prompts"
  done
done
python3 - "$out/runs.tsv" "$n" "$rounds" "$t" "$@" <<'PY'
import collections, re, statistics, sys
path, n, rounds, t, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
tok = collections.defaultdict(lambda: collections.defaultdict(list))   # model -> mode -> [tok/s]
acc = collections.defaultdict(lambda: [0, 0])
for line in open(path):
    m, r, i, mode, gen, ac = line.rstrip("\n").split("\t")
    g = re.match(r"generated: (\d+) tokens in ([\d.]+) s", gen)
    # The first token comes from the prefill: the decode passes make the other n - 1.
    tok[m][mode].append((int(g.group(1)) - 1) / float(g.group(2)))
    if ac:
        a, d = map(int, ac.split()[1].split("/"))
        acc[m][0] += a; acc[m][1] += d
print(f"{n} tokens per prompt, {rounds} rounds, -t {t}; decode tokens/s, median over prompts x rounds")
print("| model | plain | speculative | speedup | MTP acceptance |")
print("|---|---:|---:|---:|---:|")
for m in models:
    p, s = statistics.median(tok[m]["plain"]), statistics.median(tok[m]["speculative"])
    a, d = acc[m]
    print(f"| {m} | {p:.1f} | {s:.1f} | {s / p:.2f}x | {100 * a / d:.1f}% ({a}/{d}) |")
PY
[[ ! -e "$out/differ.txt" ]] || { echo "speculative and plain decoding differed" >&2; exit 1; }
