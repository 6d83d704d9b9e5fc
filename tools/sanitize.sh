#!/usr/bin/env bash
# The unit tests that need neither CAF nor a daemon (policy/, messages/, the
# Engine API decoders through the fuzz corpora replays) built with
# AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ and run by
# ctest: an overflow, an out-of-bounds read or a leak fails the run. These
# layers take every byte a user or a daemon sends; the actor tests stay in
# the plain build (a sanitized CAF build costs more than CI's time allows).
#
#   STEVEDORE_ASAN_DIR  build folder (default: build-asan under the repository)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(realpath -m "${STEVEDORE_ASAN_DIR:-$REPO/build-asan}")
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
targets=(policy_decode_test policy_mapping_test policy_parse_test policy_constraints_test
  messages_test fuzz_hcl_replay fuzz_json_replay fuzz_job_replay fuzz_client_replay
  fuzz_engine_replay)

step() { echo "=== sanitize.sh: $* ($(date +%H:%M:%S))"; }

step "configuring $BUILD"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTEVEDORE_BUILD_TESTS=ON \
  -DSTEVEDORE_MALLOC=system "-DCMAKE_CXX_FLAGS=$flags" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
step "building ${#targets[@]} test programs"
cmake --build "$BUILD" -j2 --target "${targets[@]}"
step "testing"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The programs are run directly: ctest would also list the cases of every
# test program this build left out.
failed=0
for t in policy/policy_decode_test policy/policy_mapping_test policy/policy_parse_test \
         policy/policy_constraints_test messages/messages_test; do
  if ! "$BUILD/tests/$t" --gtest_brief=1 >"$BUILD/$(basename "$t").log" 2>&1; then
    tail -40 "$BUILD/$(basename "$t").log"
    echo "sanitize.sh: $t failed (log: $BUILD/$(basename "$t").log)" >&2
    failed=1
  fi
done
ctest --test-dir "$BUILD" --output-on-failure --timeout 300 -R '^fuzz_.*_replay$' || failed=1
((failed == 0)) || exit 1
step "clean"
