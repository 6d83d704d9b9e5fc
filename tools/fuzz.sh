#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/) for a bounded time each, from its
# committed corpus: clang++ builds them with ASan and UBSan in build-fuzz/
# (Debian's clang, libclang-rt-dev). A crash, a leak or a broken invariant
# stops the run with the input saved under build-fuzz/fuzz-findings/; copy it
# into tests/fuzz/corpus/<target>/ so that the replay test keeps it.
#
#   STEVEDORE_FUZZ_SECONDS  seconds per target (default 60)
#   STEVEDORE_FUZZ_DIR      build folder (default: build-fuzz under the repository)
#   STEVEDORE_FUZZ_BUILD_ONLY=1  only build the targets (tools/test.sh does
#                           that while ctest runs)
#   arguments: the targets to run (default: all of hcl json job client engine agent)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(realpath -m "${STEVEDORE_FUZZ_DIR:-$REPO/build-fuzz}")
SECONDS_EACH=${STEVEDORE_FUZZ_SECONDS:-60}
targets=("$@")
((${#targets[@]})) || targets=(hcl json job client engine agent)

step() { echo "=== fuzz.sh: $* ($(date +%H:%M:%S))"; }

step "configuring $BUILD with clang++"
CC=clang CXX=clang++ cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DSTEVEDORE_BUILD_TESTS=ON -DSTEVEDORE_FUZZ=ON -DSTEVEDORE_MALLOC=system >/dev/null
step "building ${targets[*]}"
cmake --build "$BUILD" -j2 --target "${targets[@]/#/fuzz_}"
[[ "${STEVEDORE_FUZZ_BUILD_ONLY:-0}" != 1 ]] || exit 0

findings=$BUILD/fuzz-findings
mkdir -p "$findings"
for t in "${targets[@]}"; do
  # New inputs go to a scratch folder: the committed corpus changes only by hand.
  scratch=$(mktemp -d)
  step "fuzz_$t for ${SECONDS_EACH}s"
  if ! "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 \
      -rss_limit_mb=1536 -print_final_stats=1 -artifact_prefix="$findings/$t-" \
      "$scratch" "$REPO/tests/fuzz/corpus/$t" 2>"$BUILD/fuzz-$t.log"; then
    tail -40 "$BUILD/fuzz-$t.log"
    rm -rf "$scratch"
    echo "fuzz.sh: fuzz_$t failed; the input is in $findings/" >&2
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$BUILD/fuzz-$t.log" | head -2
  rm -rf "$scratch"
done
step "every target ran clean"
