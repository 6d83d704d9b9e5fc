#!/usr/bin/env bash
# Faults of the simulated daemon under many tasks (issue 13), run by hand:
# `stevedore stress` drives FAULT_SIM_TASKS (10000) task lifecycles through
# the supervisor against stevedore-simd answering some of every route's
# calls with a fault: 500s, connection resets, truncated answers and
# streams, garbage framing, and stalls (no answer at all: the client's call
# deadline, --call-timeout, must end them). Two runs:
#
#   churn  FAULT_SIM_CONCURRENCY (64) lifecycles in flight, one started as
#          each ends, until all FAULT_SIM_TASKS have run;
#   hold   all FAULT_SIM_TASKS running at once (held 1 s), then all stopped.
#
# Each run prints what was injected (the simulated daemon's count per kind)
# and checks, failing the script when one does not hold:
#   - every task accounted for: completed + failed = tasks, and at least
#     FAULT_SIM_MIN_COMPLETED percent (99) completed;
#   - nothing hangs: no step ran past --step-timeout (FAULT_SIM_STEP_TIMEOUT,
#     120 s), and the run ends within FAULT_SIM_RUN_LIMIT seconds (1200);
#   - no container left on the simulated daemon (its own count at exit).
#
#   tools/fault-sim.sh
#   FAULT_SIM_TASKS=1000 FAULT_SIM_MODES=churn tools/fault-sim.sh
#
# Other knobs: FAULT_SIM_RATE (0.005: the rate of each of 500, reset,
# truncate and garbage on every route), FAULT_SIM_STALL_RATE (0.001),
# FAULT_SIM_CALL_TIMEOUT (2 s), FAULT_SIM_SEED (1), FAULT_SIM_JOBS (build
# parallelism, 2). Builds Release in build-bench, as tools/bench.sh does;
# allocation folders under /dev/shm when writable.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build-bench
TASKS=${FAULT_SIM_TASKS:-10000}
CONCURRENCY=${FAULT_SIM_CONCURRENCY:-64}
MODES=${FAULT_SIM_MODES:-churn hold}
RATE=${FAULT_SIM_RATE:-0.005}
STALL_RATE=${FAULT_SIM_STALL_RATE:-0.001}
CALL_TIMEOUT=${FAULT_SIM_CALL_TIMEOUT:-2}
STEP_TIMEOUT=${FAULT_SIM_STEP_TIMEOUT:-120}
RUN_LIMIT=${FAULT_SIM_RUN_LIMIT:-1200}
MIN_COMPLETED=${FAULT_SIM_MIN_COMPLETED:-99}
SEED=${FAULT_SIM_SEED:-1}
JOBS=${FAULT_SIM_JOBS:-2}
IMAGE=busybox:1.36
if [[ -d /dev/shm && -w /dev/shm ]]; then ALLOC_DIR=/dev/shm; else ALLOC_DIR=${TMPDIR:-/tmp}; fi

say() { echo "=== fault-sim: $*"; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

say "building Release in $BUILD"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEVEDORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target stevedore stevedore-simd >/dev/null
BIN=$BUILD/tools/stevedore
SIMD=$(find "$BUILD/tools" -name stevedore-simd -type f -perm -u+x | head -n1)

work=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-fault-sim.XXXXXX")
sim_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [[ -n "$sim_pid" ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

figure() { sed -n "s/^figure $1=//p" "$2" | tail -n1; }

failed_checks=0
check() { # check TEXT CONDITION...
  local text=$1
  shift
  if "$@"; then
    echo "  ok      $text"
  else
    echo "  FAILED  $text"
    failed_checks=$((failed_checks + 1))
  fi
}

for mode in $MODES; do
  case $mode in
    churn) mode_args=(--churn) ;;
    hold) mode_args=(--hold 1) ;;
    *) echo "fault-sim: FAULT_SIM_MODES: unknown mode '$mode' (churn, hold)" >&2; exit 2 ;;
  esac
  sock=$work/$mode.sock
  faults=()
  for kind in 500 reset truncate garbage; do faults+=(--fault "*:$kind:$RATE"); done
  faults+=(--fault "*:stall:$STALL_RATE")
  say "$mode: stevedore-simd ${faults[*]} --seed $SEED"
  "$SIMD" --socket "$sock" --image "$IMAGE" --seed "$SEED" "${faults[@]}" >"$work/$mode-simd.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.1; done
  [[ -S "$sock" ]] || { say "the simulated daemon did not start:"; cat "$work/$mode-simd.log"; exit 1; }
  say "$mode: stevedore stress, $TASKS tasks, concurrency $CONCURRENCY, call timeout ${CALL_TIMEOUT}s"
  start=$(date +%s)
  rc=0
  TMPDIR=$ALLOC_DIR timeout --signal=KILL "$RUN_LIMIT" "$BIN" stress --no-progress --figures \
    --endpoint "unix://$sock" --image "$IMAGE" --command "sleep 86400" --tasks "$TASKS" \
    --concurrency "$CONCURRENCY" "${mode_args[@]}" --kill-timeout 1 \
    --call-timeout "$CALL_TIMEOUT" --step-timeout "$STEP_TIMEOUT" >"$work/$mode.txt" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  sim_pid=""
  f=$work/$mode.txt
  completed=$(figure stevedore.completed "$f")
  failed=$(figure stevedore.failed "$f")
  errors=$(figure stevedore.errors "$f")
  injected=$(sed -n 's/^stevedore-simd faults: *//p' "$work/$mode-simd.log")
  left=$(sed -n 's/^stevedore-simd containers left: \([0-9]*\).*/\1/p' "$work/$mode-simd.log")
  echo
  say "$mode: injected: ${injected:-?} (of $(sed -n 's/^stevedore-simd calls://p' "$work/$mode-simd.log" | tr ' ' '\n' | awk -F= '{n += $2} END {print n + 0}') calls)"
  say "$mode: run took ${took}s (exit $rc); completed ${completed:-?}, failed ${failed:-?}; errors: ${errors:-?}"
  grep -E '^  (example|[a-z_]+:)' "$f" | head -n 8 || true
  say "$mode: checks"
  check "the run ended by itself within ${RUN_LIMIT}s (exit $rc is not 137)" test "$rc" -ne 137
  check "every task accounted for: $completed completed + $failed failed = $TASKS" \
    test "$(( ${completed:-0} + ${failed:-0} ))" -eq "$TASKS"
  check "at least $MIN_COMPLETED% completed" test "$(( ${completed:-0} * 100 ))" -ge "$(( TASKS * MIN_COMPLETED ))"
  check "nothing hung: no step past --step-timeout ${STEP_TIMEOUT}s" \
    bash -c "! grep -q 'step_timeout' <<<'${errors:-}'"
  check "no container left on the simulated daemon (${left:-?})" test "${left:-1}" -eq 0
  for kind in 500 reset truncate garbage stall; do
    check "faults of kind $kind were injected" bash -c "grep -qE '(^| )$kind=[1-9]' <<<'${injected:-}'"
  done
  echo
done

if ((failed_checks)); then
  say "$failed_checks checks FAILED (the stress output: rerun with the same FAULT_SIM_SEED)"
  exit 1
fi
say "all checks passed"
