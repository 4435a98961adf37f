#!/usr/bin/env bash
# Set up everything the full test suite needs on a fresh Debian 12 machine, then run it.
#   - installs the project with its test extras (pip)
#   - installs and starts a Docker engine and builds the sandbox test image without any registry
#     (scripts/ci-docker.sh; needs root for apt-get and dockerd)
#   - installs bubblewrap for the dynamic oracle
#   - runs pytest over tests/ (Docker-backed tests FAIL, not skip, when CI=true and no engine)
# Extra arguments are passed to pytest, e.g. `bash scripts/test.sh -k parse -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing policy-router with test extras"
python3 -m pip install -q --disable-pip-version-check -e '.[test]'

echo "==> docker engine and sandbox test image"
bash scripts/ci-docker.sh

if ! command -v bwrap >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/stdio.h ]; then
  echo "==> installing bubblewrap, gcc and libc6-dev (dynamic oracle: sandbox + logging shim)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap gcc libc6-dev >/dev/null
  else
    echo "oracle prerequisites missing and not root: the oracle tests will fail under CI=true" >&2
  fi
fi

echo "==> running the test suite"
exec python3 -m pytest tests "$@"
