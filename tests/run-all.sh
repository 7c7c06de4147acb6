#!/usr/bin/env bash
# Installs what is missing (Debian 12), builds trop twice and runs the whole
# test suite:
#   1. Release with -Werror: every tier but [slow].
#   2. AddressSanitizer + UndefinedBehaviorSanitizer: every tier but [slow].
# Usage: bash tests/run-all.sh        (from the repository root, as root or with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

# zsh, fish, groff-base and man-db let the completion and man page tests
# check the generated scripts and trop.1 (they skip those checks without).
packages=(g++ cmake make libboost1.81-dev libboost-json1.81-dev libcli11-dev catch2
          libyaml-cpp-dev util-linux git zsh fish groff-base man-db)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
run_tier() {  # <build dir> <cmake args...>
  local dir=$1
  shift
  cmake -S . -B "$dir" -DTROP_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 1200
}

echo "== Release build (-Werror), all tiers ==" >&2
run_tier build/ci-release -DCMAKE_BUILD_TYPE=Release

echo "== ASan + UBSan build, all tiers ==" >&2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_tier build/ci-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROP_SANITIZE=ON
