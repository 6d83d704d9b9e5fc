# shellcheck shell=bash
# Sourced by tools/test.sh and tools/sanitize.sh: how the sanitized test
# programs run. A finding stops the program with a non-zero exit, so that the
# test fails; the suppression files hold only findings outside stevedore's
# code, each with its reason.
_sanitizer_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# TSan: symbolize=0 because tsan.supp's entry is matched by module name, which
# needs no symbols, while symbolizing the stacks of every suppressed report
# (addr2line or llvm-symbolizer on a 60 MB test program) made a 10 ms retry
# take seconds and the actor tests' deadlines run out. A real finding then
# prints module+offset frames: run the test again with
# TSAN_OPTIONS=...:symbolize=1 to read it.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:symbolize=0:suppressions=$_sanitizer_dir/tsan.supp}
unset _sanitizer_dir
