# shellcheck shell=bash
# What dockerd leaves on the host after it exits, and how we undo it (sourced
# by testenv.sh). Checked on Debian 12's dockerd 20.10: a clean SIGTERM
# shutdown keeps the docker0 bridge, the DOCKER* iptables chains and the rules
# that jump to them, the FORWARD policy it switched to DROP, net.ipv4.ip_forward=1,
# and the folder /run/docker/plugins. So before our first start we record what
# the host looked like ($STATE/hoststate), and `down` restores exactly that.
# The record survives a crash (it is only removed after a successful restore),
# so a later `down` still cleans up after a killed daemon.

HOSTSTATE_FILE() { echo "$STATE/hoststate"; }

record_hoststate() {
  local f
  f=$(HOSTSTATE_FILE)
  [[ -f "$f" ]] && return 0 # an earlier run's record is the true "before"
  if ip link show docker0 >/dev/null 2>&1; then
    # A docker0 without a daemon (checked by the caller) is debris of some
    # earlier daemon; dockerd adopts it. We did not create it, so leave it.
    echo "bridge_created=0" >"$f.tmp"
  else
    echo "bridge_created=1" >"$f.tmp"
  fi
  {
    echo "forward_policy=$(iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3}')"
    echo "ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"
    echo "run_docker_existed=$([[ -e /run/docker ]] && echo 1 || echo 0)"
    echo "run_containerd_existed=$([[ -e /run/containerd ]] && echo 1 || echo 0)"
  } >>"$f.tmp"
  mv "$f.tmp" "$f"
}

ip_to_int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

# in_subnet ADDR[/LEN] CIDR: ADDR lies inside CIDR.
in_subnet() {
  local addr=${1%/*} net=${2%/*} len=${2#*/} mask
  [[ "$addr" =~ ^[0-9.]+$ && "$net" =~ ^[0-9.]+$ && "$len" =~ ^[0-9]+$ ]] || return 1
  mask=$(((0xFFFFFFFF << (32 - len)) & 0xFFFFFFFF))
  (($(($(ip_to_int "$addr") & mask)) == $(($(ip_to_int "$net") & mask))))
}

# delete_docker_rules TABLE SUBNET: remove the rules in built-in chains that
# mention docker0 or a DOCKER* chain or whose source lies in the bridge subnet
# (per-container MASQUERADE rules), then the DOCKER* chains themselves.
delete_docker_rules() {
  local table=$1 subnet=$2 rule chain src
  local -a args
  iptables -t "$table" -S 2>/dev/null |
    grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ' |
    while read -r rule; do
      read -ra args <<<"$rule"
      src=""
      [[ " $rule " =~ \ -s\ ([0-9./]+)\  ]] && src=${BASH_REMATCH[1]}
      if [[ "$rule" == *docker0* || "$rule" == *"-j DOCKER"* ]] ||
        { [[ -n "$subnet" && -n "$src" ]] && in_subnet "$src" "$subnet"; }; then
        args[0]=-D
        iptables -t "$table" "${args[@]}" 2>/dev/null || true
      fi
    done
  for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
    if iptables -t "$table" -S "$chain" >/dev/null 2>&1; then
      iptables -t "$table" -F "$chain" 2>/dev/null || true
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    fi
  done
}

# restore_hoststate: only when no dockerd of ours is running any more.
restore_hoststate() {
  local f subnet bridge_created=0 forward_policy="" ip_forward="" run_docker_existed=1 \
    run_containerd_existed=1 key value
  f=$(HOSTSTATE_FILE)
  [[ -f "$f" ]] || return 0
  while IFS='=' read -r key value; do
    case "$key" in
    bridge_created) bridge_created=$value ;;
    forward_policy) forward_policy=$value ;;
    ip_forward) ip_forward=$value ;;
    run_docker_existed) run_docker_existed=$value ;;
    run_containerd_existed) run_containerd_existed=$value ;;
    esac
  done <"$f"
  if [[ "$bridge_created" == 1 ]]; then
    # The bridge's address with its prefix, e.g. 172.17.0.1/16.
    subnet=$(ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | head -n1)
    delete_docker_rules filter "$subnet"
    delete_docker_rules nat "$subnet"
    ip link delete docker0 2>/dev/null || true
    if [[ -n "$forward_policy" ]]; then
      iptables -P FORWARD "$forward_policy" 2>/dev/null || true
    fi
    if [[ -n "$ip_forward" ]]; then
      echo "$ip_forward" >/proc/sys/net/ipv4/ip_forward 2>/dev/null || true
    fi
  fi
  if [[ "$run_docker_existed" == 0 ]]; then
    rmdir /run/docker/plugins /run/docker 2>/dev/null || true
  fi
  if [[ "$run_containerd_existed" == 0 ]]; then
    rmdir /run/containerd/s /run/containerd/runc/moby /run/containerd/runc /run/containerd \
      2>/dev/null || true
  fi
  rm -f "$f"
}
