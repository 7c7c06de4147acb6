#!/usr/bin/env bash
# Installs what is missing (Debian 12), builds trop three ways and runs the
# test suite by tiers (Catch2 tags = CTest labels, CONTRIBUTING.md;
# docs/RELIABILITY.md):
#   1. Release with -Werror: [quick] (the quick tier, every run, < 2 minutes;
#      also checks that the release binary has no failpoints), and the
#      `install` tests (install into a temp prefix, build and run examples/).
#   2. AddressSanitizer + UndefinedBehaviorSanitizer with failpoints
#      (-DTROP_FAILPOINTS=ON) and the fuzz corpus replays: [quick], [crash],
#      [fault], [torture].
#   3. ThreadSanitizer (-DTROP_TSAN=ON): only the threaded test target.
# [slow] soak runs are by hand (docs/RELIABILITY.md has the commands).
# Usage: bash tests/run-all.sh        (from the repository root, as root or with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

# zsh, fish, groff-base and man-db let the completion and man page tests
# check the generated scripts and trop.1 (they skip those checks without);
# the install tests compile examples/c with pkg-config's flags.
packages=(g++ cmake make libboost1.81-dev libboost-json1.81-dev libcli11-dev catch2
          libyaml-cpp-dev util-linux git zsh fish groff-base man-db pkg-config)
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
configure_and_build() {  # <build dir> <cmake args...> [-- <targets...>]
  local dir=$1
  shift
  local args=() targets=()
  while (($#)) && [ "$1" != "--" ]; do
    args+=("$1")
    shift
  done
  if (($#)); then
    shift
    for t in "$@"; do targets+=(--target "$t"); done
  fi
  cmake -S . -B "$dir" -DTROP_WERROR=ON "${args[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}
run_labels() {  # <build dir> <ctest label regex>
  ctest --test-dir "$1" --output-on-failure -j "$jobs" --timeout 1200 -L "$2"
}

start=$SECONDS
echo "== Release build (-Werror): [quick] ==" >&2
configure_and_build build/ci-release -DCMAKE_BUILD_TYPE=Release -DTROP_BUILD_FUZZ_REPLAY=OFF
run_labels build/ci-release '^(quick|install)$'

echo "== ASan + UBSan build with failpoints: [quick] [crash] [fault] [torture] ==" >&2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
configure_and_build build/ci-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROP_SANITIZE=ON \
  -DTROP_FAILPOINTS=ON
run_labels build/ci-sanitize '^(quick|crash|fault|torture)$'
unset ASAN_OPTIONS UBSAN_OPTIONS

echo "== ThreadSanitizer: the threaded tests ==" >&2
configure_and_build build/ci-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROP_TSAN=ON \
  -DTROP_BUILD_FUZZ_REPLAY=OFF -- trop_tests_threads
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build/ci-tsan --output-on-failure --timeout 1200 -R '^trop_tests_threads\.'

echo "== all tiers passed in $((SECONDS - start)) s ==" >&2
