# shellcheck shell=bash
# The registry: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with
# htpasswd (bcrypt) basic auth (sourced by testenv.sh).
#
#   $STATE/registry/  config.yml htpasswd password port registry.pid registry.log data/

REGISTRY_USER=stevedore

registry_pid() { read_pid "$STATE/registry/registry.pid"; }
registry_alive() { pid_matches "$(registry_pid)" docker-registry "$STATE/registry/config.yml"; }

# registry_answers: 401 without credentials and 200 with them.
registry_answers() {
  local addr=$1 code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$addr/v2/") || return 1
  [[ "$code" == 401 ]] || return 1
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -K - "http://$addr/v2/" \
    <<<"user = \"$REGISTRY_USER:$REGISTRY_PASSWORD\"") || return 1
  [[ "$code" == 200 ]]
}

ensure_registry_credentials() {
  local dir=$STATE/registry
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [[ ! -s "$dir/password" ]]; then
    (umask 077 && openssl rand -hex 16 >"$dir/password")
    rm -f "$dir/htpasswd"
  fi
  REGISTRY_PASSWORD=$(<"$dir/password")
  if [[ ! -s "$dir/htpasswd" ]]; then
    (umask 077 && htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd") ||
      die "htpasswd failed"
  fi
}

write_registry_config() {
  local dir=$STATE/registry port=$1
  cat >"$dir/config.yml" <<EOF
# Written by tools/testenv.sh; rewritten on every start.
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  secret: $(openssl rand -hex 16)
auth:
  htpasswd:
    realm: stevedore-testenv
    path: $dir/htpasswd
EOF
  chmod 600 "$dir/config.yml"
}

# ensure_registry: sets REGISTRY_ADDR; reuses a healthy registry of ours.
ensure_registry() {
  local dir=$STATE/registry port pid
  ensure_registry_credentials
  port=$(cat "$dir/port" 2>/dev/null || true)
  if registry_alive && [[ -n "$port" ]] &&
    wait_until 5 registry_answers "127.0.0.1:$port"; then
    REGISTRY_ADDR=127.0.0.1:$port
    return 0
  fi
  stop_registry
  port=$(free_port "$port")
  write_registry_config "$port"
  mkdir -p "$dir/data"
  log "starting docker-registry on 127.0.0.1:$port"
  # The log is appended to: tests count manifest requests by difference.
  setsid "$REGISTRY_BIN" serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$dir/registry.pid"
  echo "$port" >"$dir/port"
  REGISTRY_ADDR=127.0.0.1:$port
  if ! wait_until 30 registry_answers "$REGISTRY_ADDR"; then
    tail -n 20 "$dir/registry.log" >&2 || true
    die "docker-registry did not answer 401/200 on $REGISTRY_ADDR within 30s (log: $dir/registry.log)"
  fi
}

stop_registry() {
  local pid
  pid=$(registry_pid)
  if registry_alive; then
    log "stopping docker-registry (pid $pid)"
    stop_pid "$pid" 10
  fi
  rm -f "$STATE/registry/registry.pid" "$STATE/registry/port"
}
