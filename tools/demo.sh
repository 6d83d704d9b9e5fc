#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine (as root): install the packages, build
# stevedore (Release, in build-release), find a Docker daemon (DOCKER_HOST, else
# /var/run/docker.sock) or start the private one of tools/testenv.sh, then
# print what the daemon says about itself with `stevedore info`, then run the
# sample job tools/jobs/hello.nomad with `stevedore run` (allocations and logs in
# build-release/demo-state).
# A daemon the demo started is stopped at the end.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build-release
BIN=$BUILD/tools/stevedore
JOB=tools/jobs/hello.nomad # relative to REPO
DEMO_ENV=$BUILD/demo-testenv.env
DOCKER_CLI=/usr/bin/docker # /usr/local/bin/docker, if any, is not Debian's

step() { echo "=== demo: $*"; }

step "installing packages"
bash "$REPO/tools/install-deps.sh"

step "building stevedore (Release, $BUILD)"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEVEDORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target stevedore

# ping_daemon: the daemon DOCKER_HOST names (default: the system socket)
# answers /_ping, with DOCKER_CERT_PATH's certificates for TLS.
ping_daemon() {
  local host=${DOCKER_HOST:-unix:///var/run/docker.sock} certs answer=""
  case "$host" in
  unix://*)
    answer=$(curl -s --max-time 3 --unix-socket "${host#unix://}" http://localhost/_ping) ;;
  tcp://*)
    if [[ -n "${DOCKER_TLS_VERIFY:-}" || -n "${DOCKER_CERT_PATH:-}" ]]; then
      certs=${DOCKER_CERT_PATH:-$HOME/.docker}
      answer=$(curl -s --max-time 3 --cacert "$certs/ca.pem" --cert "$certs/cert.pem" \
        --key "$certs/key.pem" "https://${host#tcp://}/_ping")
    else
      answer=$(curl -s --max-time 3 "http://${host#tcp://}/_ping")
    fi ;;
  esac
  [[ "$answer" == OK ]]
}

started=0
# shellcheck disable=SC2317 # called by the EXIT trap
stop_private() {
  if ((started)); then
    step "stopping the private daemon"
    bash "$REPO/tools/testenv.sh" down --fixture --env-file "$DEMO_ENV" || true
  fi
}
trap stop_private EXIT

if ping_daemon; then
  step "using the daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
else
  step "no daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}; starting the private one (tools/testenv.sh)"
  started=1
  # Its own holder: if the environment was already up, it stays up afterwards.
  bash "$REPO/tools/testenv.sh" up --fixture --env-file "$DEMO_ENV"
  DOCKER_HOST=$(sed -n 's/^STEVEDORE_DOCKER_HOST=//p' "$DEMO_ENV")
  export DOCKER_HOST
  unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT
  step "DOCKER_HOST=$DOCKER_HOST"
fi

# The sample job's image is built locally (no outside registry); a daemon of
# the user's that lacks it gets it imported (2 MB, from busybox-static).
ensure_demo_image() {
  local image=stevedore-test/busybox:1 tmp
  "$DOCKER_CLI" image inspect "$image" >/dev/null 2>&1 && return 0
  step "importing $image into the daemon"
  tmp=$(mktemp -d)
  (
    STATE=$tmp
    # shellcheck source=tools/testenv/common.sh
    source "$REPO/tools/testenv/common.sh"
    # shellcheck source=tools/testenv/images.sh
    source "$REPO/tools/testenv/images.sh"
    mkdir -p "$STATE/images"
    build_rootfs
    "$DOCKER_CLI" import --change 'CMD ["/bin/sh"]' "$STATE/images/rootfs.tar" "$image" >/dev/null
  )
  rm -rf "$tmp"
}

cd "$REPO" # job paths in messages read relative to the repository
step "stevedore validate $JOB"
"$BIN" validate "$JOB"
# The daemon as stevedore's own client sees it: version, API, OS, bridge.
step "stevedore info"
rc=0
"$BIN" info || rc=$?
if ((rc == 0)); then
  ensure_demo_image
  step "stevedore run $JOB"
  "$BIN" run "$JOB" --state-dir "$BUILD/demo-state" || rc=$?
  # What the task printed, from the log files stevedore collected.
  newest=$(ls -td "$BUILD"/demo-state/alloc/*/ 2>/dev/null | head -n1)
  if [[ -n "$newest" ]]; then
    for f in "$newest"alloc/logs/*.stdout.*; do
      [[ -s "$f" ]] || continue
      step "${f#"$BUILD"/} says:"
      cat "$f"
    done
  fi
fi
step "done (exit $rc)"
exit "$rc"
