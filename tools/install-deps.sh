#!/usr/bin/env bash
# Installs the Debian packages that stevedore's build, tests and demo need.
# Idempotent: only packages that are missing are installed, and `apt-get
# update` runs only when something is missing. Runs as root, without stdin.
#
#   bash tools/install-deps.sh            # build + test environment
#   bash tools/install-deps.sh --build    # build only
#   bash tools/install-deps.sh --ci       # build + test environment + clang for the fuzz run
set -euo pipefail

build_pkgs=(cmake ninja-build g++ libcaf-dev libboost-dev libsimdjson-dev libspdlog-dev
  libfmt-dev libgtest-dev libcli11-dev libssl-dev libsqlite3-dev libgoogle-perftools-dev liblz4-dev
  pkg-config libncurses-dev)
# dockerd needs containerd, runc, tini (docker-init) and iptables: docker.io
# depends on all four, but they are listed so a missing one is visible here.
# iproute2 (`ip`) is used to find and remove the docker0 bridge.
# ca-certificates is only a recommendation of docker.io; curl warns without it.
# tools/fuzz.sh: libFuzzer comes with clang's runtime libraries.
ci_pkgs=(clang libclang-rt-14-dev)
testenv_pkgs=(docker.io containerd runc tini iptables docker-registry apache2-utils
  busybox-static openssl curl iproute2 ca-certificates)
# The console's browser test: Debian's chromium driven by playwright-core
# (from the npm registry, installed globally below with npm). Node.js and npm
# are Debian's unless the machine has its own already: a Node.js from
# elsewhere bundles its npm, and Debian's npm package conflicts with it.
browser_pkgs=(chromium tmux)
command -v node >/dev/null || browser_pkgs+=(nodejs)
command -v npm >/dev/null || browser_pkgs+=(npm)

want=("${build_pkgs[@]}")
if [[ "${1:-}" != "--build" ]]; then
  want+=("${testenv_pkgs[@]}" "${browser_pkgs[@]}")
fi
if [[ "${1:-}" == "--ci" ]]; then
  want+=("${ci_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

# playwright-core from the npm registry, once (a failed install leaves the
# browser test to skip with a line saying why; it never fails the build).
browser_driver() {
  [[ "${1:-}" == "--build" ]] && return 0
  command -v npm >/dev/null || return 0
  local root
  root=$(npm root -g 2>/dev/null || true)
  [[ -n "$root" && -d "$root/playwright-core" ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: playwright-core missing; run as root to install it" >&2
    return 0
  fi
  npm install -g --no-audit --no-fund playwright-core@1 </dev/null ||
    echo "install-deps: playwright-core could not be installed from the npm registry" >&2
}

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  browser_driver "${1:-}"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start the system's dockerd or registry: a daemon on
# /var/run/docker.sock would own docker0 and block the private test daemon.
# Debian's convention: /usr/sbin/policy-rc.d exiting 101 forbids starts.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if ((made_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
browser_driver "${1:-}"
echo "install-deps: done"
