# shellcheck shell=bash
# A spare dockerd for tests that must stop and start a daemon under running
# containers (sourced by testenv.sh; `testenv.sh spare ...`). The shared test
# daemon is never restarted: other tests use it. A spare owns one folder
# (socket, data root, exec root, pid file, config, log, network namespace)
# and no host network state: --bridge=none because only one daemon may own
# docker0, --iptables=false so it leaves the host's rules alone, and
# --live-restore so its containers keep running while it is stopped. Its
# containers need network_mode "none".
#
# It runs in a network namespace of its own (DIR/netns, kept across restarts):
# dockerd 20.10 started with --bridge=none deletes any interface named docker0
# it can see, which in the host's namespace is the shared daemon's bridge.
# Unix sockets are files, so the socket works from the host's namespace.
#
#   testenv.sh spare start DIR [TAR]  start (or restart on the same folders) and
#                                     load TAR (a `docker save` file) if its
#                                     images are missing; DIR is created
#   testenv.sh spare stop DIR         SIGTERM the dockerd and wait for it to end;
#                                     containers keep running (live restore)
#   testenv.sh spare kill DIR         SIGKILL the dockerd (a crash): its containerd
#                                     and shims, and so the containers, go on;
#                                     the next start restores them (live
#                                     restore) or kills them (without)
#   testenv.sh spare destroy DIR      remove every container, stop everything
#                                     the daemon started, remove DIR
#
# STEVEDORE_SPARE_LIVE_RESTORE=0 at `start` runs the daemon without
# --live-restore (kept in DIR/live-restore for the next starts on DIR): a
# daemon started again then stops the containers it finds running, as after
# a crash of a daemon that does not keep them.
#
# The daemon's socket is DIR/docker.sock. Functions of daemon.sh work on a
# spare once STATE=DIR.

SPARE_MARKER=.stevedore-spare

spare_netns() {
  local ns=$STATE/netns
  if ! mountpoint -q "$ns"; then
    touch "$ns"
    unshare --net="$ns" ip link set lo up || die "could not make a network namespace at $ns"
  fi
}

spare_launch() {
  local -a live=(--live-restore)
  [[ "$(cat "$STATE/live-restore" 2>/dev/null || echo 1)" == 0 ]] && live=()
  write_daemon_config
  mkdir -p "$STATE/data" "$STATE/exec"
  spare_netns
  log "starting spare dockerd (socket $(SOCKET))"
  setsid nsenter --net="$STATE/netns" "$DOCKERD" \
    --config-file "$STATE/daemon.json" \
    --data-root "$STATE/data" \
    --exec-root "$STATE/exec" \
    --pidfile "$STATE/docker.pid" \
    --storage-driver vfs \
    --bridge=none \
    --iptables=false \
    "${live[@]}" \
    -H "unix://$(SOCKET)" \
    </dev/null >>"$STATE/dockerd.log" 2>&1 9>&- &
  echo "$!" >"$STATE/dockerd.launch.pid"
  if ! wait_until 60 ping_socket; then
    tail -n 30 "$STATE/dockerd.log" >&2 || true
    die "spare dockerd did not answer /_ping on $(SOCKET) within 60s (log: $STATE/dockerd.log)"
  fi
}

spare_start() {
  local tar=${1:-} ref
  mkdir -p "$STATE"
  touch "$STATE/$SPARE_MARKER"
  if [[ -n "${STEVEDORE_SPARE_LIVE_RESTORE:-}" ]]; then
    [[ "$STEVEDORE_SPARE_LIVE_RESTORE" == [01] ]] ||
      die "STEVEDORE_SPARE_LIVE_RESTORE: expected 0 or 1, got '$STEVEDORE_SPARE_LIVE_RESTORE'"
    echo "$STEVEDORE_SPARE_LIVE_RESTORE" >"$STATE/live-restore"
  fi
  if ! daemon_alive; then
    rm -f "$STATE/docker.pid" "$STATE/dockerd.launch.pid" "$(SOCKET)"
    spare_launch
  fi
  if [[ -n "$tar" ]]; then
    [[ -r "$tar" ]] || die "cannot read $tar"
    # Only when missing: a reload would be a needless layer import.
    for ref in $(tar -xOf "$tar" manifest.json | grep -o '"RepoTags":\[[^]]*\]' | grep -o '"[^"]*:[^"]*"' |
      tr -d '"' | grep -v '^RepoTags'); do
      if ! dk image inspect "$ref" >/dev/null 2>&1; then
        dk load -q -i "$tar" >/dev/null || die "docker load of $tar into the spare daemon failed"
        break
      fi
    done
  fi
  log "spare dockerd up: unix://$(SOCKET) (pid $(daemon_pid))"
}

spare_stop() {
  local pid i
  pid=$(daemon_pid)
  daemon_alive || { log "spare dockerd in $STATE is not running"; return 0; }
  log "stopping spare dockerd (pid $pid); its containers keep running"
  kill -TERM "$pid"
  for ((i = 0; i < 300; i++)); do
    [[ -d /proc/$pid ]] || break
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]] && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; then
    die "spare dockerd (pid $pid) did not stop within 30s"
  fi
  # dockerd removes its socket; a stale one must not look like a live daemon.
  rm -f "$(SOCKET)"
}

spare_kill() {
  local pid i
  pid=$(daemon_pid)
  daemon_alive || { log "spare dockerd in $STATE is not running"; return 0; }
  log "killing spare dockerd (pid $pid) with SIGKILL"
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do
    [[ -d /proc/$pid ]] || break
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
    sleep 0.1
  done
  # A killed dockerd leaves its socket and pid file: neither may look alive.
  rm -f "$(SOCKET)" "$STATE/docker.pid" "$STATE/dockerd.launch.pid"
}

spare_destroy() {
  [[ -d "$STATE" ]] || return 0
  [[ -f "$STATE/$SPARE_MARKER" ]] || die "$STATE is not a spare daemon's folder"
  remove_all_containers
  stop_daemon
  log "removing $STATE"
  rm -rf "$STATE"
}

cmd_spare() {
  local sub=${1:-} dir=${2:-}
  [[ -n "$sub" && -n "$dir" ]] || usage
  STATE=$(realpath -m "$dir")
  case "$sub" in
  start) spare_start "${3:-}" ;;
  stop) spare_stop ;;
  kill) spare_kill ;;
  destroy) spare_destroy ;;
  *) usage ;;
  esac
}
