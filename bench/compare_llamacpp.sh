#!/usr/bin/env bash
# r1 bench vs llama-bench on the same GGUF files, same threads, alternating runs in one go;
# prints a markdown table with the ratios and decode's share of the measured read bandwidth.
# Usage: bench/compare_llamacpp.sh LLAMA_BIN_DIR [-p N] [-n N] [-r N] [-t N] FILE.gguf...
# (build llama.cpp outside this repo; r1 from scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
llama_bin="$1"; shift
p=128 n=64 r=3 t=2
while [[ $# -gt 0 && "$1" == -* ]]; do
  case "$1" in
    -p) p="$2" ;; -n) n="$2" ;; -r) r="$2" ;; -t) t="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ $# -gt 0 ]] || { echo "usage: $0 LLAMA_BIN_DIR [-p N] [-n N] [-r N] [-t N] FILE.gguf..." >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "== read bandwidth: build/r1_membw_bench 2 $t 5"
build/r1_membw_bench 2 "$t" 5 | tee "$out/membw.txt"
for f in "$@"; do
  name="$(basename "$f" .gguf)"
  echo "== $name"
  build/r1 info --model "$f" --json > "$out/$name.info.json"
  "$llama_bin/llama-bench" -m "$f" -p "$p" -n "$n" -r "$r" -t "$t" -o json > "$out/$name.llama.json"
  build/r1 bench --model "$f" -p "$p" -n "$n" -r "$r" -t "$t" --json > "$out/$name.r1.json"
done
python3 - "$out" "$p" "$n" "$t" "$@" <<'PY'
import json, re, sys, os
out, p, n, t, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
bw = float(re.search(r"([0-9.]+) GB/s", open(f"{out}/membw.txt").read()).group(1)) * 1e9
print(f"\n{t} threads, read bandwidth {bw / 1e9:.1f} GB/s\n")
print("| model | test | llama.cpp t/s | r1 t/s | r1 / llama.cpp | r1 decode GB/s (% of bandwidth) |")
print("|---|---|---:|---:|---:|---:|")
for f in files:
    name = os.path.basename(f)[:-5]
    info = json.load(open(f"{out}/{name}.info.json"))
    r1 = json.load(open(f"{out}/{name}.r1.json"))
    llama = json.load(open(f"{out}/{name}.llama.json"))
    for test, key, n_p, n_g in (("pp" + p, "pp_tokens_per_s", int(p), 0), ("tg" + n, "tg_tokens_per_s", 0, int(n))):
        if (n_p or n_g) == 0:
            continue
        row = next(x for x in llama if x["n_prompt"] == n_p and x["n_gen"] == n_g)
        ours, theirs = r1[key], row["avg_ts"]
        ours_sd = r1[key.split("_")[0] + "_stddev"]
        roof = ""
        if n_g:
            rate = ours * info["bytes_read_per_token"]
            roof = f"{rate / 1e9:.1f} ({100 * rate / bw:.0f}%)"
        print(f"| {name} | {test} | {theirs:.2f} ± {row['stddev_ts']:.2f} | {ours:.2f} ± {ours_sd:.2f} | {ours / theirs:.2f}x | {roof} |")
PY
