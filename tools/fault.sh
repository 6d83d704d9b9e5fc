#!/usr/bin/env bash
# Fault driver for durable state (issue 13): kills `stevedore agent` with
# SIGKILL at random moments while its tasks churn (each task exits with 1
# after a random short while and is restarted by its restart policy), starts
# it again on the same state folder each time, then drains the node and
# checks the accounting against the daemon's own event stream:
#
#   - every container labelled with this run's node id was destroyed (no
#     leak), and none is left;
#   - no container was started twice (a re-attached container is followed,
#     never started again);
#   - the state file holds no task after the drain;
#   - every task ended cleaned (the drain) or failed (its restart policy).
#
# Prints what it injected and what it checked; exit 1 on a failed check.
# Uses the test environment's daemon (tools/testenv.sh up) and a build in
# build/ (BUILD=... to change).
#
#   tools/fault.sh                    # FAULT_TASKS=6 FAULT_KILLS=5
#   FAULT_TASKS=20 FAULT_KILLS=20 FAULT_SEED=7 tools/fault.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TASKS=${FAULT_TASKS:-6}
KILLS=${FAULT_KILLS:-5}
SEED=${FAULT_SEED:-$$}
ENV_FILE=${STEVEDORE_TESTENV:-/tmp/stevedore-testenv/env}
RANDOM=$SEED

say() { echo "fault: $*"; }
BIN=$(find "$BUILD/tools" -name stevedore -type f -perm -u+x 2>/dev/null | head -n1)
[[ -x "$BIN" ]] || { say "no stevedore binary under $BUILD/tools (build the stevedore target)"; exit 1; }
[[ -f "$ENV_FILE" ]] || { say "no test environment ($ENV_FILE): run tools/testenv.sh up"; exit 1; }
# shellcheck disable=SC1090
. "$ENV_FILE"
export DOCKER_HOST=$STEVEDORE_DOCKER_HOST

work=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-fault.XXXXXX")
node=fault-$SEED-$$
job=fault$$
agent_pid=
cleanup() {
  [[ -n "$agent_pid" ]] && kill -9 "$agent_pid" 2>/dev/null || true
  ids=$(docker ps -aq --filter "label=com.stevedore.node=$node")
  [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/client.hcl" <<EOF
client {
  options {
    "docker.endpoint" = "$STEVEDORE_DOCKER_HOST"
    "stevedore.node_id" = "$node"
    "stevedore.fingerprint.period" = "1s"
    "docker.cleanup.image" = "false"
  }
}
EOF
cat >"$work/job.hcl" <<EOF
job "$job" {
  group "g" {
    count = $TASKS
    restart {
      attempts = 1000
      interval = "1h"
      delay = "200ms"
      mode = "fail"
    }
    task "churn" {
      driver = "docker"
      kill_timeout = "1s"
      config {
        image = "$STEVEDORE_IMAGE"
        command = "sh"
        args = ["-c", "trap 'exit 0' TERM; sleep \$((RANDOM % 3 + 1)); exit 1"]
      }
    }
  }
}
EOF

start_agent() {
  "$BIN" agent --config "$work/client.hcl" --listen 127.0.0.1:0 --state-dir "$work/state" \
    --reconcile-grace 5s --reconcile-interval 2s >"$work/agent.out" 2>>"$work/agent.err" &
  agent_pid=$!
  for _ in $(seq 300); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/agent.out" 2>/dev/null | cut -d: -f3 || true)
    [[ -n "$port" ]] && return 0
    kill -0 "$agent_pid" 2>/dev/null || { say "the agent exited:"; cat "$work/agent.err"; exit 1; }
    sleep 0.1
  done
  say "the agent did not serve"; exit 1
}

since=$(date +%s)
start_agent
say "node $node, $TASKS tasks churning, $KILLS SIGKILLs, seed $SEED"
curl -sf --data-binary @"$work/job.hcl" "http://127.0.0.1:$port/v1/jobs" >/dev/null
for k in $(seq "$KILLS"); do
  wait_ms=$((RANDOM % 2500 + 500))
  sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
  kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  say "kill $k: SIGKILL after ${wait_ms} ms"
  start_agent
done
sleep 2
curl -sf -X POST "http://127.0.0.1:$port/v1/node/drain" >"$work/drain.json"
say "drained: $(tr -d '\n' <"$work/drain.json" | head -c 200)"
for _ in $(seq 300); do
  left=$(docker ps -aq --filter "label=com.stevedore.node=$node" | wc -l)
  [[ "$left" -eq 0 ]] && break
  sleep 0.1
done
tasks=$(curl -sf "http://127.0.0.1:$port/v1/tasks")
kill -TERM "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
agent_pid=
until=$(date +%s)

failures=0
check() { if eval "$2"; then say "ok: $1"; else say "FAILED: $1"; failures=$((failures + 1)); fi; }
docker events --since "$since" --until "$((until + 1))" --filter "label=com.stevedore.node=$node" \
  --filter type=container --format '{{.Action}} {{.Actor.ID}}' >"$work/events.txt"
creates=$(grep -c '^create ' "$work/events.txt" || true)
destroys=$(grep -c '^destroy ' "$work/events.txt" || true)
twice=$(grep '^start ' "$work/events.txt" | sort | uniq -d | wc -l)
say "the daemon saw $creates creates, $(grep -c '^start ' "$work/events.txt" || true) starts, $destroys destroys"
check "no container of this node is left" "[[ \$(docker ps -aq --filter label=com.stevedore.node=$node | wc -l) -eq 0 ]]"
check "every container created was destroyed ($creates / $destroys)" "[[ $creates -eq $destroys ]]"
check "no container was started twice" "[[ $twice -eq 0 ]]"
check "no task is running after the drain" "! grep -q '\"state\":\"running\"' <<<'$tasks'"
if command -v sqlite3 >/dev/null; then
  check "the state file holds no task" "[[ \$(sqlite3 '$work/state/state.db' 'select count(*) from tasks') -eq 0 ]]"
else
  say "skipped: the state file's tasks (no sqlite3 program)"
fi
[[ $failures -eq 0 ]] || { say "$failures checks failed (agent log: kept in $work is removed at exit)"; tail -20 "$work/agent.err"; exit 1; }
say "all checks passed"
