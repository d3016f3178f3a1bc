#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-san and runs each one for N seconds
# (default 30) on its seed corpus, as many at a time as there are cores. Exits non-zero if any
# target finds a crash.
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail

seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-san"
targets=(fuzz_safetensors_header fuzz_model_config fuzz_gguf fuzz_chat_template fuzz_http_request
  fuzz_prompt_encode fuzz_tool_call_parser)

bash "$root/scripts/build_sanitized.sh" "${targets[@]}"

# A small stack turns any per-nesting-level recursion on hostile JSON (dump, copy, compare)
# into a crash within the input sizes the fuzzer tries.
ulimit -s 1024

# Runs one target; its output goes to $build/fuzz/<target>.log.
fuzz_one() {
  local t="$1"
  # New inputs go to a scratch directory so that the checked-in seed corpus stays small.
  local work="$build/fuzz/corpus/$t" artifacts="$build/fuzz/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  "$build/tests/fuzz/$t" "$work" "$root/tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -artifact_prefix="$artifacts" -print_final_stats=1 \
    -rss_limit_mb=4096 -max_len=65536 > "$build/fuzz/$t.log" 2>&1
}

mkdir -p "$build/fuzz"
declare -A pid_of
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc))); do wait -n || true; done
  echo "fuzz: running $t for ${seconds}s"
  fuzz_one "$t" &
  pid_of[$t]=$!
done

status=0
for t in "${targets[@]}"; do
  if ! wait "${pid_of[$t]}"; then
    echo "fuzz: $t FAILED; see $build/fuzz/$t.log and $build/fuzz/artifacts/$t/" >&2
    tail -n 40 "$build/fuzz/$t.log" >&2
    status=1
  else
    echo "fuzz: $t"
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$build/fuzz/$t.log" |
      sed "s/^/  /"
  fi
done
exit "$status"
