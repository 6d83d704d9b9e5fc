#!/usr/bin/env bash
# Fault driver for durable state (issue 13), against a real daemon. Prints
# what it injected and what it checked; exit 1 on a failed check. Uses the
# test environment (tools/testenv.sh up) and a build in build/ (BUILD=...).
#
# FAULT_MODE=agent (the default): SIGKILLs `stevedore agent` FAULT_KILLS
# times at random moments while FAULT_TASKS tasks churn, starting it again
# each time on the same state folder. The tasks:
#   - tick (a tenth): print "tick N" every 100 ms and never end by
#     themselves: re-attached across every kill;
#   - pull (two images, one task alone on the first): images of this run,
#     pushed to the test registry and removed from the daemon, with a
#     cleanup delay shorter than their restart delay, so that each restart
#     pulls again;
#   - churn (the rest): exit 1 after a few seconds and restart.
# Between kills it also stops a churn task and SIGKILLs another's container
# through the API (a restart by policy). After the last start it drains the
# node and checks, with the daemon's own event stream as the witness:
#   - every task is accounted for: listed after every kill, ended cleaned or
#     failed after the drain, and the state file holds none;
#   - none ran twice: no container started twice, and no two containers of
#     one task alive at once;
#   - nothing leaked: every container created was destroyed, none of this
#     node's is left, and no image of this run is left on the daemon;
#   - each tick task had one container started, and its log file holds tick 0, 1,
#     ... with no line lost or repeated, across every kill;
#   - the registry was pulled from again after removals.
#
# FAULT_MODE=daemon: a spare dockerd of its own (tools/testenv.sh spare,
# network_mode none), SIGKILLed under running tasks FAULT_KILLS times,
# with --live-restore (FAULT_LIVE_RESTORE=1, the default) or without (0);
# see daemon_mode below.
#
#   tools/fault.sh                    # FAULT_TASKS=10 FAULT_KILLS=5
#   FAULT_TASKS=100 FAULT_KILLS=20 FAULT_SEED=7 tools/fault.sh
#   FAULT_MODE=daemon FAULT_LIVE_RESTORE=0 tools/fault.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
MODE=${FAULT_MODE:-agent}
TASKS=${FAULT_TASKS:-10}
KILLS=${FAULT_KILLS:-5}
SEED=${FAULT_SEED:-$$}
LIVE_RESTORE=${FAULT_LIVE_RESTORE:-1}
ENV_FILE=${STEVEDORE_TESTENV:-/tmp/stevedore-testenv/env}
RANDOM=$SEED

say() { echo "fault: $*"; }
BIN=$(find "$BUILD/tools" -name stevedore -type f -perm -u+x 2>/dev/null | head -n1)
[[ -x "$BIN" ]] || { say "no stevedore binary under $BUILD/tools (build the stevedore target)"; exit 1; }
[[ -f "$ENV_FILE" ]] || { say "no test environment ($ENV_FILE): run tools/testenv.sh up"; exit 1; }
case "$MODE" in agent | daemon) ;; *) say "FAULT_MODE: expected agent or daemon, got '$MODE'"; exit 1 ;; esac
[[ "$TASKS" =~ ^[0-9]+$ && "$TASKS" -ge 1 ]] || { say "FAULT_TASKS: expected a count of at least 1, got '$TASKS'"; exit 1; }
[[ "$KILLS" =~ ^[0-9]+$ ]] || { say "FAULT_KILLS: expected a count, got '$KILLS'"; exit 1; }
# shellcheck disable=SC1090
. "$ENV_FILE"

work=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-fault.XXXXXX")
chmod 700 "$work"
node=fault-$SEED-$$
job=fault$$
agent_pid=
spare=
pushed=()
keep=${FAULT_KEEP:-0} # 1: keep the work folder (agent log, logs, events) after a failure
export DOCKER_HOST=$STEVEDORE_DOCKER_HOST
# Debian's client, as the test environment uses (a /usr/local/bin/docker may be another).
docker() { /usr/bin/docker "$@"; }

cleanup() {
  local rc=$?
  if [[ -n "$agent_pid" ]]; then kill -9 "$agent_pid" 2>/dev/null || true; fi
  if ((${#followers[@]})); then kill "${followers[@]}" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  docker ps -aq --filter "label=com.stevedore.node=$node" 2>/dev/null | xargs -r /usr/bin/docker rm -f >/dev/null 2>&1 || true
  for ref in "${pushed[@]}"; do docker image rm -f "$ref" >/dev/null 2>&1 || true; done
  if [[ -n "$spare" ]]; then
    bash "$REPO/tools/testenv.sh" spare destroy "$spare" >/dev/null 2>&1 || say "could not destroy the spare daemon in $spare"
  fi
  if [[ $rc -ne 0 && "$keep" == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the agent -------------------------------------------------------------

write_client() { # write_client ENDPOINT [extra option lines]
  cat >"$work/client.hcl" <<EOF
client {
  options {
    "docker.endpoint" = "$1"
    "stevedore.node_id" = "$node"
    "stevedore.fingerprint.period" = "500ms"
    "docker.volumes.enabled" = "false"
${2:-}
  }
}
EOF
}

start_agent() {
  "$BIN" agent --config "$work/client.hcl" --listen 127.0.0.1:0 --state-dir "$work/state" \
    --reconcile-grace 5s --reconcile-interval 2s >"$work/agent.out" 2>>"$work/agent.err" &
  agent_pid=$!
  for _ in $(seq 600); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/agent.out" 2>/dev/null | cut -d: -f3 || true)
    if [[ -n "$port" ]]; then
      # The agent's own task events, over all its lives (kept with FAULT_KEEP=1).
      curl -sN "http://127.0.0.1:$port/v1/events" >>"$work/agent-events.ndjson" 2>/dev/null &
      return 0
    fi
    kill -0 "$agent_pid" 2>/dev/null || { say "the agent exited:"; tail -20 "$work/agent.err"; exit 1; }
    sleep 0.1
  done
  say "the agent did not serve"; exit 1
}

api() { curl -sf --max-time 30 "$@"; }

# "id state" per task, from GET /v1/tasks (fields in the encoder's order).
task_states() {
  api "http://127.0.0.1:$port/v1/tasks" | grep -o '"id":"[^"]*"[^}]*"state":"[^"]*"' |
    sed -E 's/^"id":"([^"]*)".*"state":"([^"]*)"$/\1 \2/'
}

sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

failures=0
check() { if eval "$2"; then say "ok: $1"; else say "FAILED: $1"; failures=$((failures + 1)); fi; }

# The daemon's events, followed from the start (dockerd keeps only its last
# 256 events for a later --since, which a run of 100 tasks on a shared daemon
# outgrows): this node's container events, "time action container task
# image", into events.txt, and image pulls, "time reference", into pulls.txt.
followers=()
follow_events() { # [SINCE]: also what the daemon kept since then (one started again)
  local -a since=()
  [[ -n "${1:-}" ]] && since=(--since "$1")
  /usr/bin/docker events "${since[@]}" --filter "label=com.stevedore.node=$node" --filter type=container \
    --format '{{.TimeNano}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "com.stevedore.alloc_id"}}/{{index .Actor.Attributes "com.stevedore.task"}} {{.Actor.Attributes.image}}' \
    >>"$work/events.txt" &
  followers+=($!)
  /usr/bin/docker events "${since[@]}" --filter type=image --filter event=pull --format '{{.TimeNano}} {{.Actor.ID}}' >>"$work/pulls.all" &
  followers+=($!)
  sleep 0.5 # both subscribed before the first event of the run
}

# After the run: the destroys of every container created have arrived (or 10
# s passed: the check then fails), and the followers end.
end_events() {
  local c d
  for _ in $(seq 100); do
    c=$(grep -c ' create ' "$work/events.txt" || true)
    d=$(grep -c ' destroy ' "$work/events.txt" || true)
    [[ "$c" -eq "$d" ]] && break
    sleep 0.1
  done
  kill "${followers[@]}" 2>/dev/null || true
  wait "${followers[@]}" 2>/dev/null || true
  followers=()
}

# Checks the "none ran twice" and "nothing leaked" rules on the events file.
check_events() { # FILE
  local f=$1 creates destroys starts twice overlap
  creates=$(grep -c ' create ' "$f" || true)
  destroys=$(grep -c ' destroy ' "$f" || true)
  starts=$(grep -c ' start ' "$f" || true)
  say "the daemon saw $creates creates, $starts starts, $(grep -c ' die ' "$f" || true) deaths, $destroys destroys"
  twice=$(awk '$2 == "start" {print $3}' "$f" | sort | uniq -d | wc -l)
  # A task's next container may start only after its previous one died.
  # (A destroy ends one too: a daemon that stops its containers as it starts
  # does so before its event stream can be followed again.)
  overlap=$(sort -n "$f" | awk '$2 == "start" { if (alive[$4] > 0) n++; alive[$4]++; up[$3] = 1 }
                               ($2 == "die" || $2 == "destroy") && up[$3] { up[$3] = 0; alive[$4]-- }
                               END { print n + 0 }')
  check "no container of this node is left" "[[ \$(docker ps -aq --filter label=com.stevedore.node=$node | wc -l) -eq 0 ]]"
  check "every container created was destroyed ($creates / $destroys)" "[[ $creates -eq $destroys ]]"
  check "no container was started twice" "[[ $twice -eq 0 ]]"
  check "no task had two containers running at once ($overlap)" "[[ $overlap -eq 0 ]]"
}

# A tick task's log: "tick 0", "tick 1", ... then "stopped"; prints "ok LINES
# CONTAINERS" or what is wrong. RESTARTS=1: a "tick 0" begins the next
# container's lines (a daemon that stops containers as it starts, without
# live restore, has not read their last lines: their "stopped" may be
# missing); the caller compares the containers with those the daemon started.
check_ticks() { # FILE [RESTARTS]
  awk -v restarts="${2:-0}" 'BEGIN { want = 0; runs = 1 }
       /^stopped$/ { next }
       /^tick 0$/ && restarts && want > 0 { want = 0; runs++ }
       /^tick [0-9]+$/ { n = $2 + 0
         if (n < want) { print "tick " n " repeated (line " NR ")"; bad = 1; exit }
         if (n > want) { print "tick " want " to " n - 1 " lost (line " NR ")"; bad = 1; exit }
         want++; lines++; next }
       { print "unexpected line " NR ": " $0; bad = 1; exit }
       END { if (!bad) print "ok " lines + 0 " " runs }' "$1"
}

drain_and_stop() {
  api -X POST "http://127.0.0.1:$port/v1/node/drain" >"$work/drain.json"
  say "drained: $(grep -o '"[0-9a-f-]*/[a-z0-9]*"' "$work/drain.json" | wc -l) tasks being stopped"
  for _ in $(seq 1800); do
    [[ $(docker ps -aq --filter "label=com.stevedore.node=$node" | wc -l) -eq 0 ]] &&
      ! task_states | grep -qv ' \(cleaned\|failed\|lost\)$' && break
    sleep 0.1
  done
}

# ---- FAULT_MODE=agent --------------------------------------------------------

agent_mode() {
  local ticks pulls churn pa pb reg_repo k
  ticks=$((TASKS / 10)); ((ticks >= 1)) || ticks=1
  pulls=$((TASKS / 25)); ((pulls >= 2)) || pulls=2
  churn=$((TASKS - ticks - pulls))
  if ((churn < 0)); then ticks=1; pulls=$((TASKS > 2 ? 2 : TASKS - 1)); churn=$((TASKS - ticks - pulls)); fi
  pa=$((pulls > 0 ? 1 : 0)); pb=$((pulls - pa))

  # Images of this run alone (their own ids: the cleanup removes by id, which
  # must never take the shared test images), in the registry only.
  # A docker config of this run's own (mode 600 in the work folder): the
  # pushes log in with it, and the agent's pulls read it (docker.auth.config).
  export DOCKER_CONFIG=$work/docker-config
  mkdir -m 700 "$DOCKER_CONFIG"
  docker login -u "$STEVEDORE_REGISTRY_USER" --password-stdin "$STEVEDORE_REGISTRY" \
    <<<"$STEVEDORE_REGISTRY_PASSWORD" >/dev/null 2>&1 || { say "docker login to $STEVEDORE_REGISTRY failed"; exit 1; }
  reg_repo=$STEVEDORE_REGISTRY/stevedore/$node
  for tag in c pa pb; do
    DOCKER_BUILDKIT=0 docker build -q -t "$reg_repo:$tag" - >/dev/null <<EOF
FROM $STEVEDORE_IMAGE
LABEL org.stevedore.fault=$node-$tag
EOF
    pushed+=("$reg_repo:$tag")
    docker push "$reg_repo:$tag" >/dev/null
    docker image rm "$reg_repo:$tag" >/dev/null
  done
  write_client "$STEVEDORE_DOCKER_HOST" "    \"docker.auth.config\" = \"$DOCKER_CONFIG/config.json\"
    \"docker.cleanup.image\" = \"true\"
    \"docker.cleanup.image.delay\" = \"500ms\""

  group() { # NAME COUNT IMAGE SCRIPT ATTEMPTS DELAY
    (($2 > 0)) || return 0
    cat <<EOF
  group "$1" {
    count = $2
    restart {
      attempts = $5
      interval = "1h"
      delay = "$6"
      mode = "fail"
    }
    task "$1" {
      driver = "docker"
      kill_timeout = "2s"
      config {
        image = "$3"
        command = "sh"
        args = ["-c", "$4"]
      }
    }
  }
EOF
  }
  {
    echo "job \"$job\" {"
    group tick "$ticks" "$reg_repo:c" \
      "trap 'echo stopped; exit 0' TERM; i=0; while true; do echo tick \$i; i=\$((i+1)); sleep 0.1; done" 0 1s
    group churn "$churn" "$reg_repo:c" "trap 'exit 0' TERM; sleep \$((RANDOM % 6 + 2)); exit 1" 1000 200ms
    group pa "$pa" "$reg_repo:pa" "trap 'exit 0' TERM; sleep \$((RANDOM % 2 + 1)); exit 1" 1000 1500ms
    group pb "$pb" "$reg_repo:pb" "trap 'exit 0' TERM; sleep \$((RANDOM % 2 + 1)); exit 1" 1000 1500ms
    echo "}"
  } >"$work/job.hcl"

  follow_events
  start_agent
  say "node $node, $TASKS tasks ($ticks tick, $churn churn, $pulls pulling $reg_repo:pa/:pb), $KILLS SIGKILLs, seed $SEED"
  api --data-binary @"$work/job.hcl" "http://127.0.0.1:$port/v1/jobs" >/dev/null
  task_states | sort >"$work/tasks.0"
  check "the agent lists the $TASKS tasks submitted" "[[ \$(wc -l <'$work/tasks.0') -eq $TASKS ]]"
  local stopped=0 signalled=0 removed=0 missing=0 ms id n
  for k in $(seq "$KILLS"); do
    ms=$((RANDOM % 3500 + 500))
    sleep_ms "$ms"
    # Now and then: a stop, and a container killed under the agent (restart by policy).
    if ((RANDOM % 3 == 0)); then
      id=$(grep '/churn ' "$work/tasks.0" | awk '{print $1}' | shuf -n1 --random-source=<(yes "$k$SEED"))
      if ! grep -q "^$id " "$work/stopped" 2>/dev/null &&
        api -X POST "http://127.0.0.1:$port/v1/tasks/$id/stop" >/dev/null 2>&1; then
        stopped=$((stopped + 1))
        echo "$id $(date +%s%N)" >>"$work/stopped"
        say "stopped $id"
      fi
    fi
    if ((RANDOM % 2 == 0)); then
      # A running churn task's container, killed: a restart by its policy.
      id=$(task_states | grep '/churn running$' | awk '{print $1}' | shuf -n1 --random-source=<(yes "$SEED$k") || true)
      if [[ -n "$id" ]] && api -X POST -d '{"signal":"SIGKILL"}' "http://127.0.0.1:$port/v1/tasks/$id/signal" >/dev/null 2>&1; then
        signalled=$((signalled + 1))
        say "SIGKILL to the container of $id"
      fi
    fi
    # The pulled images removed under their tasks between runs (refused
    # while a container uses them): the next run pulls again.
    for tag in pa pb; do
      if docker image rm "$reg_repo:$tag" >/dev/null 2>&1; then
        removed=$((removed + 1))
        echo "$tag $(date +%s%N)" >>"$work/removals"
        say "removed $reg_repo:$tag from the daemon"
      fi
    done
    ms=$((RANDOM % 1500))
    sleep_ms "$ms"
    kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
    say "kill $k: agent SIGKILLed ($(docker ps -q --filter "label=com.stevedore.node=$node" | wc -l) containers running)"
    start_agent
    # Accounted for: every task submitted is listed again, but for one we
    # stopped, which may have ended (and been forgotten) before the kill.
    task_states | awk '{print $1}' | sort >"$work/tasks.now"
    n=$(awk '{print $1}' "$work/tasks.0" | comm -23 - "$work/tasks.now" |
      comm -23 - <(awk '{print $1}' "$work/stopped" 2>/dev/null | sort) | wc -l)
    if [[ "$n" -ne 0 ]]; then
      missing=$((missing + n))
      say "after kill $k the agent lists $(wc -l <"$work/tasks.now") tasks: $n of those submitted and not stopped are missing"
      # What the state file says of them (for the report).
      if command -v sqlite3 >/dev/null; then
        awk '{print $1}' "$work/tasks.0" | comm -23 - "$work/tasks.now" |
          comm -23 - <(awk '{print $1}' "$work/stopped" 2>/dev/null | sort) | while read -r id; do
          say "  $id in the state file: $(sqlite3 "$work/state/state.db" \
            "select state, phase, container_id, plan is null from tasks where task_id='$id'" 2>&1 || true)"
        done
      fi
    fi
  done
  touch "$work/stopped"
  sleep 3
  check "every task not stopped is listed again after each of the $KILLS kills" "[[ $missing -eq 0 ]]"
  task_states | sort >"$work/tasks.before"
  drain_and_stop
  task_states | sort >"$work/tasks.after"
  local unended gone
  unended=$(grep -cv ' \(cleaned\|failed\)$' "$work/tasks.after" || true)
  gone=$(awk '{print $1}' "$work/tasks.0" | comm -23 - <(awk '{print $1}' "$work/tasks.after" | sort) |
    comm -23 - <(awk '{print $1}' "$work/stopped" | sort) | wc -l)
  check "every task ended cleaned or failed after the drain ($(awk '{print $2}' "$work/tasks.after" | sort | uniq -c | xargs)), the rest were stopped earlier ($gone missing)" \
    "[[ $unended -eq 0 && $gone -eq 0 ]]"
  # Images: the last leases went with the drain; their removal comes after the cleanup delay.
  local left=
  for _ in $(seq 200); do
    left=$(docker images -q "$STEVEDORE_REGISTRY/stevedore/$node" | sort -u | wc -l)
    [[ "$left" -eq 0 ]] && break
    sleep 0.1
  done
  kill -TERM "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  agent_pid=
  end_events
  check "no image of this run is left on the daemon ($left)" "[[ $left -eq 0 ]]"
  if command -v sqlite3 >/dev/null; then
    check "the state file holds no task" "[[ \$(sqlite3 '$work/state/state.db' 'select count(*) from tasks') -eq 0 ]]"
  else
    say "skipped: the state file's tasks (no sqlite3 program)"
  fi

  check_events "$work/events.txt"
  # A task we stopped does not run again: at most the start already on its
  # way when the stop came.
  local again=0 t at
  while read -r t at; do
    n=$(awk -v t="$t" -v at="$at" '$2 == "start" && $4 == t && $1 > at' "$work/events.txt" | wc -l)
    ((n <= 1)) || { again=$((again + 1)); say "$t started $n times after its stop"; }
  done <"$work/stopped"
  check "no stopped task was started again ($(wc -l <"$work/stopped") stopped)" "[[ $again -eq 0 ]]"
  # Each removal of a pulled image that a container of it followed: a pull
  # came between the two.
  grep "stevedore/$node:" "$work/pulls.all" >"$work/pulls.txt" || true
  touch "$work/removals"
  local unpulled
  unpulled=$(awk 'FILENAME ~ /removals$/ { rt[NR] = $1; rn[NR] = $2; n = NR; next }
                  FILENAME ~ /pulls.txt$/ { split($2, a, ":"); pt[++np] = $1; pg[np] = a[length(a)]; next }
                  $2 == "create" { split($5, a, ":"); ct[++nc] = $1; cg[nc] = a[length(a)] }
                  END { for (i = 1; i <= n; i++) {
                          first = 0
                          for (j = 1; j <= nc; j++) if (cg[j] == rn[i] && ct[j] > rt[i] && (!first || ct[j] < first)) first = ct[j]
                          if (!first) continue
                          ok = 0
                          for (j = 1; j <= np; j++) if (pg[j] == rn[i] && pt[j] > rt[i] && pt[j] < first) ok = 1
                          if (!ok) bad++ }
                        print bad + 0 }' "$work/removals" "$work/pulls.txt" "$work/events.txt")
  check "every image removed under its tasks was pulled again before its next container ($removed removals, $(wc -l <"$work/pulls.txt") pulls)" \
    "[[ $unpulled -eq 0 ]]"
  say "injected: $KILLS agent SIGKILLs, $stopped stops, $signalled container SIGKILLs, $removed image removals"

  # Tick tasks: one container each, and their log whole.
  local t alloc file res lines=0
  while read -r t; do
    alloc=${t%%/*}
    file=$work/state/alloc/$alloc/alloc/logs/tick.stdout.0
    res=$(check_ticks "$file" 2>&1 || echo "unreadable $file")
    # One container started (a create whose answer a kill cut off may have
    # been removed and made again, never started).
    check "tick task $t had one container started" "[[ \$(grep -c ' start [0-9a-f]* $t ' '$work/events.txt') -eq 1 ]]"
    if [[ "$res" == ok* ]]; then
      res=${res#ok }
      lines=$((lines + ${res% *}))
      say "ok: $t's log: ${res% *} lines in order, none lost or repeated"
    else
      check "$t's log: $res" false
    fi
  done < <(grep '/tick ' "$work/tasks.0" | awk '{print $1}')
  say "the tick tasks' logs held $lines lines across the kills"
}

# ---- FAULT_MODE=daemon -------------------------------------------------------

# A spare dockerd of this run (tools/testenv.sh spare: its own folders and
# network namespace), the test image loaded from the environment's tar;
# FAULT_TASKS tick tasks (network_mode none; on SIGTERM they exit 3, a
# failure their restart policy restarts). FAULT_KILLS times: the daemon is
# SIGKILLed at a random moment, and checked while it is away (the node's
# health turns unhealthy, every task stays running), then started again
# (health comes back; with live restore every task keeps its container,
# running; without, the returning daemon stops each container and each task
# restarts by its policy in a new one). Afterwards the node is drained and
# checked as in agent mode: containers, none started twice, the log files
# (whole across each absence; without live restore, each container's lines
# whole from tick 0 up to its "stopped").
daemon_mode() {
  local k ms n up killed_at
  spare=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-fault-spare.XXXXXX")
  STEVEDORE_SPARE_LIVE_RESTORE=$LIVE_RESTORE bash "$REPO/tools/testenv.sh" spare start "$spare" "$STEVEDORE_IMAGE_TAR" \
    >/dev/null 2>"$work/spare.err" || { say "the spare daemon did not start:"; tail -5 "$work/spare.err"; exit 1; }
  export DOCKER_HOST=unix://$spare/docker.sock
  write_client "$DOCKER_HOST" "    \"docker.cleanup.image\" = \"false\""
  cat >"$work/job.hcl" <<EOF
job "$job" {
  group "tick" {
    count = $TASKS
    restart {
      attempts = $((KILLS + 1))
      interval = "1h"
      delay = "500ms"
      mode = "fail"
    }
    task "tick" {
      driver = "docker"
      kill_timeout = "5s"
      config {
        image = "$STEVEDORE_IMAGE_TAR_REF"
        network_mode = "none"
        command = "sh"
        args = ["-c", "trap 'echo stopped; exit 3' TERM; i=0; while true; do echo tick \$i; i=\$((i+1)); sleep 0.1; done"]
      }
    }
  }
}
EOF
  follow_events
  start_agent
  say "node $node on a spare daemon (live restore $LIVE_RESTORE), $TASKS tasks, $KILLS daemon SIGKILLs, seed $SEED"
  api --data-binary @"$work/job.hcl" "http://127.0.0.1:$port/v1/jobs" >/dev/null
  task_states | sort >"$work/tasks.0"
  running_all() { [[ $(task_states | grep -c ' running$') -eq $TASKS ]]; }
  containers_now() { api "http://127.0.0.1:$port/v1/tasks" | grep -o '"container_id":"[0-9a-f]*"' | sort; }
  node_status() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/node"; }
  for _ in $(seq 600); do running_all && break; sleep 0.1; done
  local unhealthy=0 kept=0 changed=0 returned=0
  for k in $(seq "$KILLS"); do
    ms=$((RANDOM % 2000 + 1000))
    sleep_ms "$ms"
    containers_now >"$work/containers.before"
    killed_at=$(date +%s.%N)
    bash "$REPO/tools/testenv.sh" spare kill "$spare" >/dev/null 2>>"$work/spare.err"
    say "kill $k: dockerd SIGKILLed after ${ms} ms"
    # Away: health unhealthy (the fingerprint looks every 500 ms), and every
    # task still running for 2 s of looking.
    up=1
    for _ in $(seq 100); do
      [[ "$(node_status)" == 503 ]] && { up=0; break; }
      sleep 0.1
    done
    ((up == 0)) && unhealthy=$((unhealthy + 1))
    n=0
    for _ in $(seq 20); do
      running_all || n=$((n + 1))
      sleep 0.1
    done
    if ((n == 0)); then kept=$((kept + 1)); else say "a task left running while the daemon was away"; fi
    bash "$REPO/tools/testenv.sh" spare start "$spare" >/dev/null 2>>"$work/spare.err"
    # The daemon's event stream ended with it; the new one from the kill on
    # holds what it did as it started (stopping containers without live restore).
    follow_events "$killed_at"
    for _ in $(seq 300); do
      [[ "$(node_status)" == 200 ]] && { returned=$((returned + 1)); break; }
      sleep 0.1
    done
    # Back: each task on its container's true state.
    if [[ "$LIVE_RESTORE" == 1 ]]; then
      for _ in $(seq 100); do running_all && break; sleep 0.1; done
      containers_now >"$work/containers.after"
      if running_all && cmp -s "$work/containers.before" "$work/containers.after"; then changed=$((changed + 1)); fi
    else
      for _ in $(seq 600); do
        running_all && [[ $(containers_now | comm -12 - "$work/containers.before" | wc -l) -eq 0 ]] && break
        sleep 0.1
      done
      containers_now >"$work/containers.after"
      if running_all && [[ $(comm -12 "$work/containers.before" "$work/containers.after" | wc -l) -eq 0 ]]; then
        changed=$((changed + 1))
      fi
    fi
  done
  check "the node's health went unhealthy while the daemon was away ($unhealthy of $KILLS)" "[[ $unhealthy -eq $KILLS ]]"
  check "every task stayed running while the daemon was away ($kept of $KILLS)" "[[ $kept -eq $KILLS ]]"
  check "health came back after each start ($returned of $KILLS)" "[[ $returned -eq $KILLS ]]"
  if [[ "$LIVE_RESTORE" == 1 ]]; then
    check "every task kept its container, running, after each return ($changed of $KILLS)" "[[ $changed -eq $KILLS ]]"
  else
    check "every task restarted in a new container after each return ($changed of $KILLS)" "[[ $changed -eq $KILLS ]]"
  fi
  drain_and_stop
  task_states | sort >"$work/tasks.after"
  kill -TERM "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  agent_pid=
  end_events
  check "every task ended cleaned after the drain ($(awk '{print $2}' "$work/tasks.after" | sort | uniq -c | xargs))" \
    "[[ \$(grep -c ' cleaned$' '$work/tasks.after') -eq $TASKS ]]"
  check_events "$work/events.txt"
  say "injected: $KILLS dockerd SIGKILLs (live restore $LIVE_RESTORE)"
  local t alloc res
  while read -r t; do
    alloc=${t%%/*}
    res=$(check_ticks "$work/state/alloc/$alloc/alloc/logs/tick.stdout.0" "$((1 - LIVE_RESTORE))" 2>&1 || echo unreadable)
    if [[ "$res" == ok* ]]; then
      res=${res#ok }
      n=$(grep -c " start [0-9a-f]* $t " "$work/events.txt" || true)
      check "$t's log: ${res% *} lines of ${res#* } containers ($n started), each one's in order, none lost or repeated" \
        "[[ ${res#* } -eq $n ]]"
    else
      check "$t's log: $res" false
    fi
  done < <(awk '{print $1}' "$work/tasks.0")
}

"${MODE}_mode"
if [[ $failures -ne 0 ]]; then
  say "$failures checks failed; the agent's failed states:"
  grep '"state":"failed"' "$work/agent-events.ndjson" 2>/dev/null | grep '"kind":"state"' | cut -c1-300 | head -10 || true
  say "agent log tail:"
  grep -v 'can take root' "$work/agent.err" | tail -20
  exit 1
fi
say "all checks passed"
