#!/usr/bin/env bash
# The benchmarks of issue 5, each measured in one run of `stevedore stress`,
# printed as figures (they are not timed tests and assert nothing):
#
#   1. real daemon, BENCH_TASKS tasks each (default "100 300"), concurrency 8,
#      image present, bridge network: stevedore / baseline time to all
#      running, both drivers in the same run (baseline first). Target <= 1.05.
#   2. real daemon, BENCH_IDLE_TASKS running tasks (100) idle for
#      BENCH_IDLE_SECONDS (20): stevedore's CPU time over that time (target
#      < 0.2 s), its RSS (target < 40 MB), threads and child processes.
#   3. simulated daemon, zero latency: BENCH_SIM_TASKS (10000) full
#      lifecycles in churn mode (target >= 2000/s on 2 cores), then as many
#      live tasks held at once (target < 100 MB RSS, < 10 KB per task), and
#      the churn again with the state store on (3c, the cost of durability),
#      and the churn unwatched then watched by a console (3d: the actor page a
#      console's WebSocket pushes, asked every BENCH_WATCH_MS, default 100,
#      the fastest rate the WebSocket allows; target: at most 2% lost).
#   4. the inspection console: `stevedore agent` on the simulated daemon with
#      BENCH_CONSOLE_TASKS (10000) running tasks; GET /v1/actors latency
#      (median and max of 20) for the first page, a filtered page deep in the
#      list, a page sorted by name (the registry's order: only the page's
#      actors are asked) and one sorted by messages (ordered by the last
#      sweep of every actor, about 1 s old, sent out by a sweeper actor in
#      the background; only the page's actors asked again): the first such
#      page alone (it waits for the first sweep), then 20 more. Target < 100 ms.
#   5. recovery: `stevedore agent` with BENCH_RECOVERY_SIM_TASKS (1000)
#      running tasks on the simulated daemon, then BENCH_RECOVERY_TASKS (100)
#      on the real one, is killed with SIGKILL and started again on the same
#      state folder: the time from the new process's start to every task
#      re-attached (its container inspected and found running; the
#      supervisor's "all N recovered tasks re-attached" line). Targets < 1 s
#      (simulated) and < 2 s (real). Checked: every task running again on
#      its own container, none created anew; the real daemon's containers
#      are stopped (POST /v1/node/drain) and any left removed.
#
# Installs missing packages (tools/install-deps.sh), builds Release in
# build-bench (its own folder). Uses the test environment's
# daemon (tools/testenv.sh up; stopped at the end only if this script started
# it) and starts the simulated daemon itself.
#
#   tools/bench.sh                         # everything, full scale (minutes: the
#                                          # real daemon starts ~2 containers/s)
#   BENCH_TASKS=20 BENCH_IDLE_TASKS=10 BENCH_IDLE_SECONDS=5 BENCH_SIM_TASKS=1000 tools/bench.sh
#   BENCH_ONLY="1 3" tools/bench.sh        # some of the benchmarks
#
# With STEVEDORE_TESTENV naming a running test environment's env file, the
# real daemon benchmarks use it as it is (no holder taken, nothing stopped).
#
# Other knobs: BENCH_CONCURRENCY (8), BENCH_SIM_CONCURRENCY (64), BENCH_JOBS
# (build parallelism, 2), BENCH_REPORTS (folder for the JSON/HTML reports,
# default build-bench/reports), BENCH_CONFIG (a client settings file given to
# every run as --config, e.g. one with "stevedore.stats.interval"),
# BENCH_SIM_ALLOC_DIR (where benchmark 3 lays out the tasks' allocation
# folders: default /dev/shm when writable, else TMPDIR or /tmp. Each lifecycle
# makes nine folders and the runs delete tens of thousands; on ext4 mkdir then
# costs up to ~270 us for a while after mass deletions ("recently deleted"
# inode scans), which measures the disk, not the supervisor).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build-bench
BENCH_TASKS=${BENCH_TASKS:-100 300}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-8}
BENCH_IDLE_TASKS=${BENCH_IDLE_TASKS:-100}
BENCH_IDLE_SECONDS=${BENCH_IDLE_SECONDS:-20}
BENCH_SIM_TASKS=${BENCH_SIM_TASKS:-10000}
BENCH_SIM_CONCURRENCY=${BENCH_SIM_CONCURRENCY:-64}
BENCH_ONLY=${BENCH_ONLY:-1 2 3 4 5}
BENCH_RECOVERY_SIM_TASKS=${BENCH_RECOVERY_SIM_TASKS:-1000}
BENCH_RECOVERY_TASKS=${BENCH_RECOVERY_TASKS:-100}
BENCH_CONSOLE_TASKS=${BENCH_CONSOLE_TASKS:-10000}
BENCH_WATCH_MS=${BENCH_WATCH_MS:-100}
BENCH_JOBS=${BENCH_JOBS:-2}
REPORTS=${BENCH_REPORTS:-$BUILD/reports}
BENCH_CONFIG=${BENCH_CONFIG:-}
if [[ -z "${BENCH_SIM_ALLOC_DIR:-}" ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then BENCH_SIM_ALLOC_DIR=/dev/shm; else BENCH_SIM_ALLOC_DIR=${TMPDIR:-/tmp}; fi
fi
ENV_FILE=$BUILD/bench-testenv.env
SIM_IMAGE=busybox:1.36

say() { echo "=== bench: $*"; }
# Thousands of live tasks hold thousands of sockets (the supervisor follows
# each task's logs): allow as many files as the hard limit does.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
wants() { [[ " $BENCH_ONLY " == *" $1 "* ]]; }

say "installing what is missing (tools/install-deps.sh)"
bash "$REPO/tools/install-deps.sh"
say "building Release in $BUILD"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEVEDORE_BUILD_TESTS=OFF >/dev/null
targets=(stevedore)
if wants 3 || wants 4 || wants 5; then
  if cmake --build "$BUILD" --target help | grep -q '^stevedore-simd:'; then
    targets+=(stevedore-simd)
  else
    say "this tree has no stevedore-simd target yet: benchmarks 3, 4 and 5 are skipped"
    BENCH_ONLY=${BENCH_ONLY//[345]/}
  fi
fi
cmake --build "$BUILD" -j"$BENCH_JOBS" --target "${targets[@]}"
BIN=$BUILD/tools/stevedore
SIMD=$(find "$BUILD/tools" -name stevedore-simd -type f -perm -u+x 2>/dev/null | head -n1)
mkdir -p "$REPORTS"

started_env=0
took_env=0
sim_pid=""
sim_dir=""
rec_agent=""
rec_host=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [[ -n "$sim_pid" ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  [[ -n "$sim_dir" ]] && rm -rf "$sim_dir"
  # Benchmark 5's agent and the real daemon's containers, when interrupted.
  [[ -n "$rec_agent" ]] && kill -TERM "$rec_agent" 2>/dev/null
  if [[ -n "$rec_host" ]]; then
    DOCKER_HOST=$rec_host docker ps -aq --filter "label=com.stevedore.job=benchrecovery$$" 2>/dev/null |
      xargs -r env DOCKER_HOST="$rec_host" docker rm -f >/dev/null 2>&1 || true
  fi
  # Drops this script's holder only: the environment stops only when nobody
  # else holds it, i.e. when this script started it.
  if ((took_env)); then
    ((started_env)) && say "stopping the test environment this script started"
    bash "$REPO/tools/testenv.sh" down --fixture --env-file "$ENV_FILE" >/dev/null || true
  fi
}
trap cleanup EXIT

# figure NAME FILE: the value of "figure NAME=VALUE" in FILE.
figure() { sed -n "s/^figure $1=//p" "$2" | tail -n1; }

# stress NAME ARGS...: one run, its output kept in REPORTS/NAME.txt.
stress() {
  local name=$1
  shift
  local config=()
  [[ -n "$BENCH_CONFIG" ]] && config=(--config "$BENCH_CONFIG")
  say "stevedore stress ${config[*]} $*"
  if ! "$BIN" stress --no-progress --figures --report "$REPORTS/$name" "${config[@]}" "$@" | tee "$REPORTS/$name.txt"; then
    say "$name: some lifecycles failed or left containers (see $REPORTS/$name.txt)"
  fi
}

summary=()

if (wants 1 || wants 2 || wants 5) && [[ -n "${STEVEDORE_TESTENV:-}" && -f "$STEVEDORE_TESTENV" ]]; then
  say "using the test environment of $STEVEDORE_TESTENV as it is"
  # shellcheck disable=SC1090
  source "$STEVEDORE_TESTENV"
  HOST=$STEVEDORE_DOCKER_HOST
  IMAGE=$STEVEDORE_IMAGE
elif wants 1 || wants 2 || wants 5; then
  if bash "$REPO/tools/testenv.sh" status >/dev/null 2>&1; then
    say "using the running test environment"
  else
    say "starting the test environment"
    started_env=1
  fi
  # Its own holder either way, so an environment already up stays up.
  took_env=1
  bash "$REPO/tools/testenv.sh" up --fixture --env-file "$ENV_FILE" >/dev/null
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  HOST=$STEVEDORE_DOCKER_HOST
  IMAGE=$STEVEDORE_IMAGE
fi

if wants 1; then
  for n in $BENCH_TASKS; do
    stress "real-$n" --endpoint "$HOST" --image "$IMAGE" --tasks "$n" \
      --concurrency "$BENCH_CONCURRENCY" --baseline --order baseline-first --kill-timeout 5
    f=$REPORTS/real-$n.txt
    summary+=("1. real daemon, $n tasks, concurrency $BENCH_CONCURRENCY: time to all running" \
      "   baseline $(figure baseline.all_running_us "$f") us, stevedore $(figure stevedore.all_running_us "$f") us," \
      "   stevedore/baseline $(figure ratio.time_to_all_running "$f") (target <= 1.05);" \
      "   completed $(figure baseline.completed "$f") / $(figure stevedore.completed "$f") of $n, order: baseline first")
  done
fi

if wants 2; then
  stress "idle-$BENCH_IDLE_TASKS" --endpoint "$HOST" --image "$IMAGE" --tasks "$BENCH_IDLE_TASKS" \
    --concurrency "$BENCH_CONCURRENCY" --idle-measure "$BENCH_IDLE_SECONDS"
  f=$REPORTS/idle-$BENCH_IDLE_TASKS.txt
  summary+=("2. real daemon, $(figure stevedore.live_tasks "$f") running tasks idle for $(figure stevedore.idle_seconds "$f") s:" \
    "   CPU $(figure stevedore.idle_cpu_us "$f") us (target < 200000), RSS $(figure stevedore.idle_rss_kb "$f") KB (target < 40960)," \
    "   threads $(figure stevedore.idle_threads "$f"), child processes $(figure stevedore.idle_child_processes "$f")")
fi

if wants 3; then
  sim_dir=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-bench-sim.XXXXXX")
  say "starting the simulated daemon ($SIMD) on $sim_dir/docker.sock"
  "$SIMD" --socket "$sim_dir/docker.sock" --image "$SIM_IMAGE" >"$sim_dir/simd.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 100); do
    [[ -S "$sim_dir/docker.sock" ]] && break
    sleep 0.1
  done
  [[ -S "$sim_dir/docker.sock" ]] || { say "the simulated daemon did not start:"; cat "$sim_dir/simd.log"; exit 1; }
  SIM=unix://$sim_dir/docker.sock
  say "allocation folders of benchmark 3 under $BENCH_SIM_ALLOC_DIR"
  TMPDIR=$BENCH_SIM_ALLOC_DIR stress "sim-churn-$BENCH_SIM_TASKS" --endpoint "$SIM" --image "$SIM_IMAGE" --command "sleep 86400" \
    --tasks "$BENCH_SIM_TASKS" --concurrency "$BENCH_SIM_CONCURRENCY" --churn --baseline --order baseline-first
  f=$REPORTS/sim-churn-$BENCH_SIM_TASKS.txt
  summary+=("3a. simulated daemon, $BENCH_SIM_TASKS lifecycles, churn, concurrency $BENCH_SIM_CONCURRENCY (allocation folders under $BENCH_SIM_ALLOC_DIR):" \
    "   stevedore $(figure stevedore.throughput_per_s "$f")/s (target >= 2000), baseline $(figure baseline.throughput_per_s "$f")/s," \
    "   stevedore/baseline throughput $(figure ratio.throughput "$f"), CPU $(figure ratio.cpu_time "$f")")
  # 3d. a console watching: the same churn, stevedore only, unwatched and
  # then with the actor page asked every BENCH_WATCH_MS, back to back.
  TMPDIR=$BENCH_SIM_ALLOC_DIR stress "sim-churn-unwatched-$BENCH_SIM_TASKS" --endpoint "$SIM" --image "$SIM_IMAGE" --command "sleep 86400" \
    --tasks "$BENCH_SIM_TASKS" --concurrency "$BENCH_SIM_CONCURRENCY" --churn
  TMPDIR=$BENCH_SIM_ALLOC_DIR stress "sim-churn-watched-$BENCH_SIM_TASKS" --endpoint "$SIM" --image "$SIM_IMAGE" --command "sleep 86400" \
    --tasks "$BENCH_SIM_TASKS" --concurrency "$BENCH_SIM_CONCURRENCY" --churn --watch "$BENCH_WATCH_MS"
  quiet=$(figure stevedore.throughput_per_s "$REPORTS/sim-churn-unwatched-$BENCH_SIM_TASKS.txt")
  watched=$(figure stevedore.throughput_per_s "$REPORTS/sim-churn-watched-$BENCH_SIM_TASKS.txt")
  summary+=("3d. the churn while a console watches (its actor page asked every $BENCH_WATCH_MS ms), back to back:" \
    "   unwatched $quiet/s, watched $watched/s: $(awk -v q="$quiet" -v w="$watched" 'BEGIN { if (q > 0) printf "%.1f%% lost", (q - w) * 100 / q; else print "-" }') (target <= 2%)")
  # stevedore first here: its RSS is then that of a process that holds the
  # tasks, not that plus what the baseline's run left (allocators keep freed
  # pages they cannot give back); per task, either order gives the same.
  TMPDIR=$BENCH_SIM_ALLOC_DIR stress "sim-live-$BENCH_SIM_TASKS" --endpoint "$SIM" --image "$SIM_IMAGE" --command "sleep 86400" \
    --tasks "$BENCH_SIM_TASKS" --concurrency "$BENCH_SIM_CONCURRENCY" --hold 1 --baseline --order stevedore-first
  f=$REPORTS/sim-live-$BENCH_SIM_TASKS.txt
  summary+=("3b. simulated daemon, $(figure stevedore.live_tasks "$f") live tasks at once:" \
    "   stevedore RSS $(figure stevedore.rss_live_kb "$f") KB (target < 102400), $(figure stevedore.bytes_per_task "$f") bytes/task (target < 10240);" \
    "   baseline $(figure baseline.bytes_per_task "$f") bytes/task; stevedore/baseline per task $(figure ratio.bytes_per_task "$f");" \
    "   of which the planned instance (held by either driver): $(figure stevedore.plan_bytes_per_task "$f") bytes/task")
  # 3c. the cost of durability: the same churn with the state store on
  # (a fresh state folder), next to 3a's figure with it off.
  state_dir=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-bench-state.XXXXXX")
  TMPDIR=$BENCH_SIM_ALLOC_DIR stress "sim-churn-durable-$BENCH_SIM_TASKS" --endpoint "$SIM" --image "$SIM_IMAGE" --command "sleep 86400" \
    --tasks "$BENCH_SIM_TASKS" --concurrency "$BENCH_SIM_CONCURRENCY" --churn --state-dir "$state_dir"
  rm -rf "$state_dir"
  f=$REPORTS/sim-churn-durable-$BENCH_SIM_TASKS.txt
  summary+=("3c. the same churn with the state store on (SQLite, WAL, batched):" \
    "   stevedore $(figure stevedore.throughput_per_s "$f")/s (goal: at most 10% below 3a, and >= 2000)")
fi

# latency PORT TARGET: "median X ms, max Y ms" of 20 GETs.
latency() {
  for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$1$2"; done |
    sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, max %.1f ms", a[int((NR+1)/2)]*1000, a[NR]*1000}'
}

if wants 4; then
  con_dir=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-bench-console.XXXXXX")
  "$SIMD" --socket "$con_dir/docker.sock" --image "$SIM_IMAGE" >"$con_dir/simd.log" 2>&1 &
  con_sim=$!
  for _ in $(seq 100); do [[ -S "$con_dir/docker.sock" ]] && break; sleep 0.1; done
  printf 'client {\n  options {\n    "docker.endpoint" = "unix://%s/docker.sock"\n    "stevedore.job.max_instances" = "%s"\n    "docker.cleanup.image" = "false"\n  }\n}\n' \
    "$con_dir" "$BENCH_CONSOLE_TASKS" >"$con_dir/client.hcl"
  groups=$(( (BENCH_CONSOLE_TASKS + 999) / 1000 ))
  { echo 'job "console" {'
    for ((g = 0; g < groups; g++)); do
      n=$(( BENCH_CONSOLE_TASKS - g * 1000 )); (( n > 1000 )) && n=1000
      printf '  group "g%d" {\n    count = %d\n    task "t" {\n      driver = "docker"\n      config {\n        image = "%s"\n        command = "sleep"\n        args = ["86400"]\n      }\n    }\n  }\n' "$g" "$n" "$SIM_IMAGE"
    done
    echo '}'; } >"$con_dir/job.nomad"
  "$BIN" agent --config "$con_dir/client.hcl" --listen 127.0.0.1:0 --state-dir "$BENCH_SIM_ALLOC_DIR/stevedore-bench-console-state.$$" >"$con_dir/agent.log" 2>&1 &
  con_agent=$!
  for _ in $(seq 100); do grep -q 'listening on' "$con_dir/agent.log" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$con_dir/agent.log")
  curl -s --data-binary @"$con_dir/job.nomad" "http://127.0.0.1:$port/v1/jobs" >/dev/null
  for _ in $(seq 300); do
    curl -s "http://127.0.0.1:$port/v1/actors?kind=task&state=running&limit=1" | grep -q "\"total\":$BENCH_CONSOLE_TASKS," && break
    sleep 1
  done
  summary+=("4. the console: GET /v1/actors with $BENCH_CONSOLE_TASKS running tasks on the simulated daemon (target < 100 ms):" \
    "   first page of 100: $(latency "$port" '/v1/actors')" \
    "   running tasks, offset $((BENCH_CONSOLE_TASKS / 2)), 100: $(latency "$port" "/v1/actors?kind=task&state=running&offset=$((BENCH_CONSOLE_TASKS / 2))&limit=100")" \
    "   sorted by name, descending, 100: $(latency "$port" '/v1/actors?sort=name&order=desc&limit=100')" \
    "   sorted by messages, the first page (waits for the first sweep of every actor): $(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/v1/actors?sort=messages&order=desc&limit=100" | awk '{printf "%.1f ms", $1*1000}')" \
    "   sorted by messages, 100 (ordered by the last sweep): $(latency "$port" '/v1/actors?sort=messages&order=desc&limit=100')" \
    "   sorted by rate, running tasks, offset 5000, 100: $(latency "$port" "/v1/actors?kind=task&state=running&sort=rate&offset=$((BENCH_CONSOLE_TASKS / 2))&limit=100")")
  kill -TERM "$con_agent" 2>/dev/null || true
  wait "$con_agent" 2>/dev/null || true
  kill "$con_sim" 2>/dev/null || true
  wait "$con_sim" 2>/dev/null || true
  rm -rf "$con_dir" "$BENCH_SIM_ALLOC_DIR/stevedore-bench-console-state.$$"
fi

# recovery NAME ENDPOINT IMAGE TASKS TARGET_MS: benchmark 5 on one daemon. An agent
# starts TASKS tasks and is killed with SIGKILL once they all run (and the
# state store has had a moment to commit); a new agent starts on the same
# state folder, and the time from its start to its "all N recovered tasks
# re-attached" line is the figure. Its report lines go to the summary; the
# tasks are drained and the job's containers removed at the end.
recovery() {
  local name=$1 endpoint=$2 image=$3 n=$4
  local dir job port t0 t_listen t_all own running before
  dir=$(mktemp -d "$BENCH_SIM_ALLOC_DIR/stevedore-bench-$name.XXXXXX")
  job=benchrecovery$$
  printf 'client {\n  options {\n    "docker.endpoint" = "%s"\n    "stevedore.job.max_instances" = "%s"\n    "docker.cleanup.image" = "false"\n  }\n}\n' \
    "$endpoint" "$n" >"$dir/client.hcl"
  local groups=$(( (n + 999) / 1000 ))
  { echo "job \"$job\" {"
    for ((g = 0; g < groups; g++)); do
      local c=$(( n - g * 1000 )); (( c > 1000 )) && c=1000
      printf '  group "g%d" {\n    count = %d\n    task "t" {\n      driver = "docker"\n      kill_timeout = "1s"\n      config {\n        image = "%s"\n        command = "sleep"\n        args = ["86400"]\n      }\n    }\n  }\n' "$g" "$c" "$image"
    done
    echo '}'; } >"$dir/job.nomad"
  # agent_up LOG: starts an agent on the state folder; its pid in rec_agent.
  agent_up() {
    "$BIN" agent --config "$dir/client.hcl" --listen 127.0.0.1:0 --state-dir "$dir/state" >"$1" 2>&1 &
    rec_agent=$!
  }
  agent_port() { sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$1" | head -n1; }
  running_total() {
    { curl -s "http://127.0.0.1:$1/v1/actors?kind=task&state=running&limit=1" || true; } |
      sed -n 's/.*"total":\([0-9]*\),.*/\1/p'
  }
  say "$name: $n tasks on $endpoint"
  agent_up "$dir/agent1.log"
  for _ in $(seq 300); do grep -q 'listening on' "$dir/agent1.log" && break; sleep 0.1; done
  port=$(agent_port "$dir/agent1.log")
  curl -s --data-binary @"$dir/job.nomad" "http://127.0.0.1:$port/v1/jobs" >/dev/null
  for _ in $(seq $(( 600 + n ))); do
    [[ "$(running_total "$port")" == "$n" ]] && break
    sleep 1
  done
  before=$(running_total "$port")
  # The state store commits in batches of ~20 ms: a second is plenty.
  sleep 1
  kill -KILL "$rec_agent"
  wait "$rec_agent" 2>/dev/null || true
  say "$name: $before tasks running, agent killed with SIGKILL; starting it again"
  t0=$(date +%s%N)
  agent_up "$dir/agent2.log"
  t_listen=""
  t_all=""
  for _ in $(seq 6000); do
    [[ -z "$t_listen" ]] && grep -q 'listening on' "$dir/agent2.log" && t_listen=$(date +%s%N)
    if grep -q 'recovered tasks re-attached or settled in' "$dir/agent2.log"; then
      t_all=$(date +%s%N)
      break
    fi
    sleep 0.005
  done
  if [[ -z "$t_listen" ]]; then t_listen=$t0; fi
  own=$(sed -n 's/.*all \([0-9]*\) recovered tasks re-attached or settled in \([0-9]*\) ms.*/\1 tasks, \2 ms/p' "$dir/agent2.log")
  port=$(agent_port "$dir/agent2.log")
  running=$(running_total "$port")
  if [[ -n "$t_all" ]]; then
    summary+=("5. recovery, $name: agent killed (SIGKILL) with $before running tasks, started again:" \
      "   all re-attached $(( (t_all - t0) / 1000000 )) ms after the process started (target < $5 ms)," \
      "   serving after $(( (t_listen - t0) / 1000000 )) ms; the supervisor's own count: $own;" \
      "   running afterwards: $running of $n")
  else
    summary+=("5. recovery, $name: NOT all re-attached within 30 s (running: $running of $n; see $dir/agent2.log)")
  fi
  # Stop every task (the real daemon's containers must go), then the agent.
  curl -s -X POST "http://127.0.0.1:$port/v1/node/drain" >/dev/null
  for _ in $(seq $(( 120 + n ))); do
    curl -s "http://127.0.0.1:$port/v1/tasks" | grep -q '"state":"\(pending\|pulling\|creating\|starting\|running\|stopping\|exited\)"' || break
    sleep 1
  done
  kill -TERM "$rec_agent" 2>/dev/null || true
  wait "$rec_agent" 2>/dev/null || true
  rec_agent=""
  cp "$dir/agent1.log" "$REPORTS/$name-agent1.log"
  cp "$dir/agent2.log" "$REPORTS/$name-agent2.log"
  rm -rf "$dir"
}

if wants 5; then
  rec_dir=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-bench-recsim.XXXXXX")
  "$SIMD" --socket "$rec_dir/docker.sock" --image "$SIM_IMAGE" >"$rec_dir/simd.log" 2>&1 &
  rec_sim=$!
  for _ in $(seq 100); do [[ -S "$rec_dir/docker.sock" ]] && break; sleep 0.1; done
  recovery "sim-$BENCH_RECOVERY_SIM_TASKS" "unix://$rec_dir/docker.sock" "$SIM_IMAGE" "$BENCH_RECOVERY_SIM_TASKS" 1000
  kill "$rec_sim" 2>/dev/null || true
  wait "$rec_sim" 2>/dev/null || true
  # Every container made once: as many creates as tasks (none on recovery).
  creates=$(sed -n 's/.* containers\.create=\([0-9]*\).*/\1/p' "$rec_dir/simd.log")
  summary+=("   the simulated daemon saw ${creates:-?} creates for $BENCH_RECOVERY_SIM_TASKS tasks (none anew on recovery)")
  rm -rf "$rec_dir"
  rec_host=$HOST
  recovery "real-$BENCH_RECOVERY_TASKS" "$HOST" "$IMAGE" "$BENCH_RECOVERY_TASKS" 2000
  left=$(DOCKER_HOST=$HOST docker ps -aq --filter "label=com.stevedore.job=benchrecovery$$" 2>/dev/null | wc -l)
  if ((left > 0)); then
    DOCKER_HOST=$HOST docker ps -aq --filter "label=com.stevedore.job=benchrecovery$$" | xargs -r env DOCKER_HOST="$HOST" docker rm -f >/dev/null
  fi
  summary+=("   the real daemon: $left of the job's containers left after the drain (removed)")
fi

echo
say "figures (reports in $REPORTS)"
for line in "${summary[@]}"; do
  echo "$line"
done
