#!/usr/bin/env bash
# r1 bench vs llama-bench of one or more peers (llama.cpp, ik_llama.cpp) on the same GGUF files,
# same threads, in one go; prints a markdown table with the ratios, decode's share of the
# measured read bandwidth and prefill's share of the measured int8 dot-product peak.
# Usage: bench/compare_llamacpp.sh --peer NAME=BIN_DIR [--peer NAME=BIN_DIR]... [-p N] [-n N]
#        [-r N] [-t N] [--peer-args "..."] FILE.gguf...
# (build the peers outside this repo; r1 from scripts/build.sh). Prefill GOP/s counts 2 ops per
# matrix weight a token multiplies (params_matmul_per_token of `r1 info --json`), attention aside.
set -euo pipefail
cd "$(dirname "$0")/.."
p=128 n=64 r=3 t=2 peers=() peer_args=""
while [[ $# -gt 0 && "$1" == -* ]]; do
  case "$1" in
    --peer) peers+=("$2") ;;
    --peer-args) peer_args="$2" ;;
    -p) p="$2" ;; -n) n="$2" ;; -r) r="$2" ;; -t) t="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ $# -gt 0 && ${#peers[@]} -gt 0 ]] || {
  echo "usage: $0 --peer NAME=BIN_DIR [--peer NAME=BIN_DIR]... [-p N] [-n N] [-r N] [-t N] FILE.gguf..." >&2
  exit 2
}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "== read bandwidth: build/r1_membw_bench 2 $t 5"
build/r1_membw_bench 2 "$t" 5 | tee "$out/membw.txt"
echo "== int8 peak: build/r1_int8_peak_bench $t 5"
build/r1_int8_peak_bench "$t" 5 | tee "$out/int8.txt"
names=()
for f in "$@"; do
  name="$(basename "$f" .gguf)"
  echo "== $name"
  build/r1 info --model "$f" --json > "$out/$name.info.json"
  for peer in "${peers[@]}"; do
    # shellcheck disable=SC2086
    "${peer#*=}/llama-bench" -m "$f" -p "$p" -n "$n" -r "$r" -t "$t" $peer_args -o json \
      > "$out/$name.${peer%%=*}.json"
  done
  build/r1 bench --model "$f" -p "$p" -n "$n" -r "$r" -t "$t" --json > "$out/$name.r1.json"
done
for peer in "${peers[@]}"; do names+=("${peer%%=*}"); done
python3 - "$out" "$p" "$n" "$t" "${names[*]}" "$@" <<'PY'
import json, re, sys, os
out, p, n, t, peers, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(), sys.argv[6:]
bw = float(re.search(r"([0-9.]+) GB/s", open(f"{out}/membw.txt").read()).group(1)) * 1e9
peak = float(re.search(r"([0-9.]+) GOP/s", open(f"{out}/int8.txt").read()).group(1)) * 1e9
print(f"\n{t} threads, read bandwidth {bw / 1e9:.1f} GB/s, int8 peak {peak / 1e9:.0f} GOP/s\n")
head = "| model | test | r1 t/s |" + "".join(f" {x} t/s | r1 / {x} |" for x in peers) + " share of the roof (r1; peers) |"
print(head)
print("|---|---|---:|" + "---:|---:|" * len(peers) + "---:|")
for f in files:
    name = os.path.basename(f)[:-5]
    info = json.load(open(f"{out}/{name}.info.json"))
    r1 = json.load(open(f"{out}/{name}.r1.json"))
    for test, key, n_p, n_g in (("pp" + p, "pp_tokens_per_s", int(p), 0), ("tg" + n, "tg_tokens_per_s", 0, int(n))):
        if (n_p or n_g) == 0:
            continue
        ours, ours_sd = r1[key], r1[key.split("_")[0] + "_stddev"]
        row = f"| {name} | {test} | {ours:.2f} ± {ours_sd:.2f} |"
        for x in peers:
            bench = json.load(open(f"{out}/{name}.{x}.json"))
            m = next(b for b in bench if b["n_prompt"] == n_p and b["n_gen"] == n_g)
            row += f" {m['avg_ts']:.2f} ± {m['stddev_ts']:.2f} | {ours / m['avg_ts']:.2f}x |"
        # The same work per token for every program: weight bytes read (decode), 2 ops per
        # matrix weight (prefill).
        def share(tps):
            if n_g:
                return 100 * tps * info["bytes_read_per_token"] / bw
            return 100 * tps * 2 * info["params_matmul_per_token"] / peak
        if n_g:
            rate = ours * info["bytes_read_per_token"]
            row += f" {rate / 1e9:.1f} GB/s ({share(ours):.0f}% of bandwidth"
        else:
            ops = ours * 2 * info["params_matmul_per_token"]
            row += f" {ops / 1e9:.0f} GOP/s ({share(ours):.0f}% of int8 peak"
        for x in peers:
            bench = json.load(open(f"{out}/{name}.{x}.json"))
            m = next(b for b in bench if b["n_prompt"] == n_p and b["n_gen"] == n_g)
            row += f"; {x} {share(m['avg_ts']):.0f}%"
        print(row + ") |")
PY
