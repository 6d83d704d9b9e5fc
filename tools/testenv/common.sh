# shellcheck shell=bash
# Shared helpers of tools/testenv.sh (sourced, not run).
# Everything here works on $STATE (the state dir) and never on the system's
# Docker (/var/run/docker.sock, /etc/docker, /var/lib/docker).

log() { echo "testenv: $*" >&2; }
die() {
  echo "testenv: error: $*" >&2
  exit 1
}

# The Debian binaries; /usr/local/bin/docker (if any) is an unrelated client.
# shellcheck disable=SC2034 # used by the other sourced files
DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker
# shellcheck disable=SC2034
REGISTRY_BIN=/usr/bin/docker-registry

# pid_matches PID EXE_NAME NEEDLE: PID is alive, runs EXE_NAME, and its command
# line contains NEEDLE (our state dir), so a recycled pid is never mistaken for ours.
pid_matches() {
  local pid=$1 exe=$2 needle=$3 path
  [[ "$pid" =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
  path=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  path=${path% (deleted)}
  [[ "${path##*/}" == "$exe" ]] || return 1
  cmdline_of "$pid" | grep -qF -- "$needle"
}

cmdline_of() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true; }

read_pid() { if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi; }

# pids_with_exe EXE_NAME: every live process running that executable.
pids_with_exe() {
  find /proc/[0-9]*/exe -maxdepth 0 \( -lname "*/$1" -o -lname "*/$1 (deleted)" \) \
    2>/dev/null | cut -d/ -f3
  return 0
}

# pids_mentioning NEEDLE: processes whose command line contains NEEDLE.
pids_mentioning() {
  grep -lsaF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 |
    grep -vxF -e "$$" -e "$BASHPID" || true
}

children_of() {
  local f line ppid
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    line=${line##*) } # the command name may contain spaces and parentheses
    read -r _ ppid _ <<<"$line"
    [[ "$ppid" == "$1" ]] && echo "${f//[^0-9]/}"
  done
  return 0
}

# stop_pid PID SECONDS: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid=$1 secs=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    [[ -d /proc/$pid ]] || return 0
    # A zombie has exited; its parent (not us) reaps it.
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    sleep 0.1
  done
  log "pid $pid did not stop in ${secs}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

port_listening() { [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }

# free_port [PREFERRED]: PREFERRED if nothing listens on it, else a random free
# port below Linux's ephemeral range (32768+), so outgoing connections never hold it.
free_port() {
  local p i
  if [[ -n "${1:-}" ]] && ! port_listening "$1"; then
    echo "$1"
    return 0
  fi
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 12000))
    if ! port_listening "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found on 127.0.0.1"
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s.
wait_until() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# The private daemon's CLI: our socket, our DOCKER_CONFIG, nothing inherited.
dk() {
  env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT \
    DOCKER_CONFIG="$STATE/docker-config" "$DOCKER" -H "unix://$STATE/docker.sock" "$@"
}
