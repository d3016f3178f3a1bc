#!/usr/bin/env bash
# Configures and builds the sanitised build in build-san/: clang, AddressSanitizer + UBSan, the
# libFuzzer targets (R1_FUZZ), the unit tests. It serves both scripts/fuzz.sh and the
# sanitised test run of scripts/test.sh. Arguments are CMake targets (default: everything).
# Debug (-O0 -g): with the sanitizers, -O1 compiles each file about twice as slowly, which on two
# cores costs more than the faster test run saves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build-san -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DR1_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=Debug > /dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build-san -j"$(nproc)" "${targets[@]}"
