#!/usr/bin/env bash
# Configures and builds r1cpp into build/ (Release) after installing what it needs.
# Arguments are CMake targets (default: everything, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
