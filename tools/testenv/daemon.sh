# shellcheck shell=bash
# The private dockerd (sourced by testenv.sh): Debian's /usr/sbin/dockerd with
# its own socket, data root, exec root, pid file, config file and trust key,
# all in $STATE, plus a mutual-TLS listener on 127.0.0.1.
#
#   $STATE/  docker.sock docker.pid dockerd.log daemon.json key.json tls.port data/ exec/

SOCKET() { echo "$STATE/docker.sock"; }

# dockerd writes docker.pid itself once it runs (and refuses to start while
# that file names a live process, so we never write it); until then the pid
# we launched is in dockerd.launch.pid.
daemon_pid() {
  local pid
  pid=$(read_pid "$STATE/docker.pid")
  [[ -n "$pid" ]] || pid=$(read_pid "$STATE/dockerd.launch.pid")
  echo "$pid"
}
daemon_alive() { pid_matches "$(daemon_pid)" dockerd "$STATE/exec"; }

ping_socket() {
  [[ "$(curl -s --max-time 3 --unix-socket "$(SOCKET)" http://localhost/_ping 2>/dev/null)" == OK ]]
}

ping_tls() {
  local port=$1
  [[ "$(curl -s --max-time 3 --cacert "$STATE/certs/ca.pem" --cert "$STATE/certs/cert.pem" \
    --key "$STATE/certs/key.pem" "https://127.0.0.1:$port/_ping" 2>/dev/null)" == OK ]]
}

daemon_answers() { ping_socket && ping_tls "$1"; }

# A dockerd that is not ours and has a bridge would fight ours over docker0.
check_no_foreign_daemon() {
  local pid ours foreign=""
  ours=$(daemon_pid)
  for pid in $(pids_with_exe dockerd); do
    [[ "$pid" == "$ours" ]] && continue
    # Spare daemons (spare.sh) have no bridge, in a namespace of their own.
    cmdline_of "$pid" | grep -qF -- "--bridge=none" && continue
    foreign+="  pid $pid: $(cmdline_of "$pid")"$'\n'
  done
  if [[ -n "$foreign" ]]; then
    die "another dockerd is running and owns the docker0 bridge; only one daemon can:
$foreign  stop it (or use it directly), then run testenv.sh up again"
  fi
  if [[ -S /run/containerd/containerd.sock ]]; then
    log "warning: a system containerd socket exists (/run/containerd/containerd.sock);" \
      "dockerd 20.10 will use that containerd instead of starting its own"
  fi
}

write_daemon_config() {
  # --config-file keeps /etc/docker/daemon.json out of it; the trust key
  # would default to /etc/docker/key.json (only settable in the config file).
  cat >"$STATE/daemon.json" <<EOF
{
  "deprecated-key-path": "$STATE/key.json"
}
EOF
}

# ensure_daemon: sets TLS_PORT; reuses a healthy daemon of ours.
ensure_daemon() {
  local port pid
  port=$(cat "$STATE/tls.port" 2>/dev/null || true)
  if daemon_alive; then
    # It may still be starting (another `up` just launched it).
    if [[ -n "$port" ]] && wait_until 20 daemon_answers "$port"; then
      TLS_PORT=$port
      return 0
    fi
    log "our dockerd (pid $(daemon_pid)) does not answer; restarting it"
  fi
  stop_daemon
  check_no_foreign_daemon
  record_hoststate
  write_daemon_config
  port=$(free_port "$port")
  mkdir -p "$STATE/data" "$STATE/exec"
  if [[ -f "$STATE/dockerd.log" ]]; then mv -f "$STATE/dockerd.log" "$STATE/dockerd.log.1"; fi
  log "starting dockerd (socket $(SOCKET), TLS on 127.0.0.1:$port)"
  # setsid, no inherited stdio and not our lock (fd 9): nothing may wait on the
  # daemon or stay locked by it.
  setsid "$DOCKERD" \
    --config-file "$STATE/daemon.json" \
    --data-root "$STATE/data" \
    --exec-root "$STATE/exec" \
    --pidfile "$STATE/docker.pid" \
    --storage-driver vfs \
    -H "unix://$(SOCKET)" \
    -H "tcp://127.0.0.1:$port" \
    --tlsverify \
    --tlscacert "$STATE/pki/ca.pem" \
    --tlscert "$STATE/pki/server-cert.pem" \
    --tlskey "$STATE/pki/server-key.pem" \
    </dev/null >>"$STATE/dockerd.log" 2>&1 9>&- &
  pid=$!
  echo "$port" >"$STATE/tls.port"
  echo "$pid" >"$STATE/dockerd.launch.pid"
  TLS_PORT=$port
  if ! wait_until 60 daemon_answers "$port"; then
    tail -n 30 "$STATE/dockerd.log" >&2 || true
    die "dockerd did not answer /_ping on $(SOCKET) and 127.0.0.1:$port within 60s (log: $STATE/dockerd.log)"
  fi
}

remove_all_containers() {
  local ids
  ping_socket || return 0
  ids=$(dk ps -aq 2>/dev/null || true)
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") container(s)"
    # shellcheck disable=SC2086
    dk rm -f $ids >/dev/null 2>&1 || true
  fi
}

# cgroup files always report size 0, so `test -s` cannot tell.
file_empty() { [[ -z "$(cat "$1" 2>/dev/null)" ]]; }

# Processes of our containers whose shim died with a killed daemon live on,
# reparented to init; they are found by their cgroup (.../docker/<id>, or
# docker-<id>.scope under systemd), for ids in our data root only.
kill_container_orphans() {
  local procs id pid
  [[ -d "$STATE/data/containers" ]] || return 0
  while read -r procs; do
    id=$(basename "$(dirname "$procs")")
    id=${id#docker-}
    id=${id%.scope}
    [[ -n "$id" && -d "$STATE/data/containers/$id" ]] || continue
    while read -r pid; do
      [[ -n "$pid" ]] || continue
      log "killing process $pid left over from container ${id:0:12}"
      kill -KILL "$pid" 2>/dev/null || true
    done <"$procs"
    # runc would have removed the container's cgroup; it is empty once the
    # killed processes are gone.
    wait_until 5 file_empty "$procs" || true
    rmdir "$(dirname "$procs")" 2>/dev/null || true
  done < <(find /sys/fs/cgroup -name cgroup.procs -path '*docker*' 2>/dev/null)
}

stop_daemon() {
  local pid p children
  pid=$(daemon_pid)
  if daemon_alive; then
    # docker-proxy processes would outlive a dockerd that has to be killed.
    children=$(children_of "$pid")
    log "stopping dockerd (pid $pid)"
    stop_pid "$pid" 30
    for p in $children; do
      pid_matches "$p" docker-proxy "" && stop_pid "$p" 5
    done
  fi
  # Its containerd and shims carry our exec root on their command lines.
  for p in $(pids_mentioning "$STATE/exec/"); do
    pid_matches "$p" containerd "$STATE/exec/" && stop_pid "$p" 10
  done
  for p in $(pids_mentioning "$STATE/exec/"); do
    case "$(readlink "/proc/$p/exe" 2>/dev/null)" in
    */dockerd | */containerd | */containerd-shim* | */runc | */docker-init | */tini*)
      log "killing leftover process $p: $(cmdline_of "$p")"
      kill -KILL "$p" 2>/dev/null || true
      ;;
    esac
  done
  kill_container_orphans
  # A killed daemon leaves network-namespace mounts under the exec root and
  # its bind mount of the data root.
  awk -v d="$STATE/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$STATE/exec" "$STATE/docker.pid" "$STATE/dockerd.launch.pid" "$(SOCKET)" \
    "$STATE/tls.port"
}
