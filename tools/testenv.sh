#!/usr/bin/env bash
# The test environment: a private dockerd (Unix socket + mutual-TLS TCP on
# 127.0.0.1), a registry with basic auth, and test images, all from Debian's
# packages and all kept in one state dir. See README.md, "Test environment".
#
#   tools/testenv.sh up     [--dir DIR] [--env-file FILE] [--fixture]
#   tools/testenv.sh down   [--dir DIR] [--env-file FILE] [--fixture] [--purge]
#   tools/testenv.sh status [--dir DIR]
#   tools/testenv.sh env    [--dir DIR] [--env-file FILE]
#   tools/testenv.sh spare start|stop|kill|destroy DIR [TAR]   a second, throw-away
#                           dockerd without networking (tools/testenv/spare.sh)
#
# DIR defaults to $STEVEDORE_TESTENV_DIR, else ${TMPDIR:-/tmp}/stevedore-testenv;
# FILE defaults to DIR/env.
#
# Holders: every `up` registers a holder in DIR/holders: "manual", or with
# --fixture one per env file (ctest's fixture passes --fixture). `down
# --fixture` drops only its own holder and stops the environment only when no
# holder is left, so ctest never stops an environment a developer brought up.
# A plain `down` stops everything whoever holds it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/testenv/common.sh
source "$HERE/testenv/common.sh"
source "$HERE/testenv/certs.sh"
source "$HERE/testenv/hoststate.sh"
source "$HERE/testenv/daemon.sh"
source "$HERE/testenv/registry.sh"
source "$HERE/testenv/images.sh"
source "$HERE/testenv/spare.sh"

usage() {
  sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[[ -n "$cmd" ]] || usage
shift
if [[ "$cmd" == spare ]]; then
  [[ $(id -u) -eq 0 ]] || die "must run as root (dockerd needs it)"
  cmd_spare "$@"
  exit 0
fi
STATE=${STEVEDORE_TESTENV_DIR:-${TMPDIR:-/tmp}/stevedore-testenv}
ENV_FILE=""
FIXTURE=0
PURGE=0
while (($#)); do
  case "$1" in
  --dir) STATE=${2:?--dir needs a value}; shift 2 ;;
  --dir=*) STATE=${1#*=}; shift ;;
  --env-file) ENV_FILE=${2:?--env-file needs a value}; shift 2 ;;
  --env-file=*) ENV_FILE=${1#*=}; shift ;;
  --fixture | --if-started-by-fixture) FIXTURE=1; shift ;;
  --purge) PURGE=1; shift ;;
  -h | --help) usage ;;
  *) echo "testenv: unknown argument: $1" >&2; usage ;;
  esac
done
STATE=$(realpath -m "$STATE")
ENV_FILE=$(realpath -m "${ENV_FILE:-$STATE/env}")
MARKER=$STATE/.stevedore-testenv

holder_name() {
  if ((FIXTURE)); then
    echo "fixture-$(sha1sum <<<"$ENV_FILE" | cut -c1-12)"
  else
    echo manual
  fi
}

holders() { ls "$STATE/holders" 2>/dev/null || true; }

check_prerequisites() {
  local b missing=""
  [[ $(id -u) -eq 0 ]] || die "must run as root (dockerd needs it)"
  for b in "$DOCKERD" "$DOCKER" "$REGISTRY_BIN" /bin/busybox; do
    [[ -x "$b" ]] || missing+=" $b"
  done
  for b in containerd runc docker-init htpasswd openssl curl iptables ip ss flock; do
    command -v "$b" >/dev/null || missing+=" $b"
  done
  [[ -z "$missing" ]] || die "missing:$missing; run tools/install-deps.sh"
}

lock() {
  exec 9>"$STATE/lock"
  flock -w 600 9 || die "could not lock $STATE/lock within 600s"
}

write_env_file() {
  local tmp=$ENV_FILE.tmp.$$
  (
    umask 077
    cat >"$tmp" <<EOF
STEVEDORE_DOCKER_HOST=unix://$(SOCKET)
STEVEDORE_DOCKER_SOCKET=$(SOCKET)
STEVEDORE_DOCKER_TLS_HOST=tcp://127.0.0.1:$TLS_PORT
STEVEDORE_DOCKER_CERT_PATH=$STATE/certs
STEVEDORE_REGISTRY=$REGISTRY_ADDR
STEVEDORE_REGISTRY_USER=$REGISTRY_USER
STEVEDORE_REGISTRY_PASSWORD=$REGISTRY_PASSWORD
STEVEDORE_REGISTRY_LOG=$STATE/registry/registry.log
STEVEDORE_IMAGE=$IMAGE_BUSYBOX:1
STEVEDORE_IMAGE_FULL=$IMAGE_FULL
STEVEDORE_REGISTRY_IMAGE=$REGISTRY_ADDR/stevedore/busybox
STEVEDORE_IMAGE_TAR=$STATE/images/tarred.tar
STEVEDORE_IMAGE_TAR_REF=$IMAGE_TARRED
STEVEDORE_TESTENV_DIR=$STATE
EOF
  )
  mv -f "$tmp" "$ENV_FILE"
  # Remembered so that `down` removes every env file it made, and only those.
  grep -qxF "$ENV_FILE" "$STATE/envfiles" 2>/dev/null || echo "$ENV_FILE" >>"$STATE/envfiles"
}

cmd_up() {
  local t0=$SECONDS
  check_prerequisites
  mkdir -p "$STATE" "$(dirname "$ENV_FILE")"
  touch "$MARKER"
  lock
  ensure_certs
  ensure_daemon
  ensure_registry
  ensure_local_images
  ensure_tarred_absent
  ensure_registry_images
  write_env_file
  mkdir -p "$STATE/holders"
  touch "$STATE/holders/$(holder_name)"
  log "up in $((SECONDS - t0))s: docker unix://$(SOCKET) and tcp://127.0.0.1:$TLS_PORT," \
    "registry $REGISTRY_ADDR; env file $ENV_FILE (holders: $(holders | tr '\n' ' '))"
}

cmd_down() {
  local rest f
  [[ -f "$MARKER" ]] || { log "nothing to stop in $STATE"; return 0; }
  lock
  if ((FIXTURE)); then
    rm -f "$STATE/holders/$(holder_name)"
    rest=$(holders | tr '\n' ' ')
    if [[ -n "$rest" ]]; then
      log "leaving the environment running: it is also held by $rest(plain 'down' stops it)"
      return 0
    fi
  fi
  remove_all_containers
  stop_registry
  stop_daemon
  restore_hoststate
  if [[ -f "$STATE/envfiles" ]]; then
    while read -r f; do
      # Only files we wrote (they name this state dir).
      if [[ -f "$f" ]] && grep -qxF "STEVEDORE_TESTENV_DIR=$STATE" "$f"; then rm -f "$f"; fi
    done <"$STATE/envfiles"
    rm -f "$STATE/envfiles"
  fi
  rm -rf "$STATE/holders"
  if ((PURGE)); then
    log "removing $STATE"
    exec 9>&-
    rm -rf "$STATE"
  fi
  log "down"
}

cmd_status() {
  local port ok=0 pid
  [[ -f "$MARKER" ]] || { echo "no test environment in $STATE"; return 1; }
  port=$(cat "$STATE/tls.port" 2>/dev/null || true)
  pid=$(daemon_pid)
  if daemon_alive; then
    echo "dockerd:  running, pid $pid, socket $(ping_socket && echo answers || echo 'does not answer')," \
      "tls 127.0.0.1:${port:-?} $([[ -n "$port" ]] && ping_tls "$port" && echo answers || echo 'does not answer')"
  else
    echo "dockerd:  stopped"
    ok=1
  fi
  port=$(cat "$STATE/registry/port" 2>/dev/null || true)
  if registry_alive; then
    REGISTRY_PASSWORD=$(cat "$STATE/registry/password" 2>/dev/null || true)
    echo "registry: running, pid $(registry_pid), 127.0.0.1:$port" \
      "$(registry_answers "127.0.0.1:$port" && echo 'answers 401/200' || echo 'does not answer')"
  else
    echo "registry: stopped"
    ok=1
  fi
  echo "holders:  $(holders | tr '\n' ' ')"
  echo "state:    $STATE"
  return $ok
}

cmd_env() {
  [[ -f "$ENV_FILE" ]] || die "no env file $ENV_FILE; run: tools/testenv.sh up"
  cat "$ENV_FILE"
}

case "$cmd" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
*) usage ;;
esac
