# Sourced by tools/test.sh and tools/sanitize.sh: how the sanitized test
# programs run. A finding stops the program with a non-zero exit, so that the
# test fails; the suppression files hold only findings outside stevedore's
# code, each with its reason.
_sanitizer_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$_sanitizer_dir/tsan.supp}
unset _sanitizer_dir
