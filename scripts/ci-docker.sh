#!/usr/bin/env bash
# Prepare a Docker engine and the registry-free sandbox test image for the test suite.
#
#   bash scripts/ci-docker.sh
#
# Idempotent. Steps:
#  1. install docker.io, busybox-static and debootstrap with apt if missing;
#  2. if `docker info` fails, start dockerd with --bridge=none --iptables=false --ip-masq=false
#     (no bridge, no NAT, no firewall changes) and wait for it;
#  3. build policy-router-sandbox:test (debootstrap + docker import, no registry) and
#     policy-router-sandbox:mini (busybox), and the basic tier registry-free when BASIC=1.
# Never pulls from a registry and never creates networks.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker >/dev/null || need+=(docker.io)
command -v dockerd >/dev/null || need+=(docker.io)
command -v busybox >/dev/null || need+=(busybox-static)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci-docker: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "ci-docker: starting dockerd"
  log=/tmp/policy-router-dockerd.log
  nohup dockerd --bridge=none --iptables=false --ip-masq=false >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "ci-docker: dockerd did not come up" >&2; tail -50 "$log" >&2; exit 1; }
fi
echo "ci-docker: engine $(docker version --format '{{.Server.Version}}')"

bash sandbox/build-rootfs.sh all
if [ "${BASIC:-0}" = 1 ]; then
  bash sandbox/build-rootfs.sh basic
fi
docker image ls policy-router-sandbox
