#!/usr/bin/env bash
# Prints the environment a client needs to reach one of the test engines (see setup.sh):
#   eval "$(bash tests/engine/env.sh 28)"
set -euo pipefail
case "${1:-26}" in
  26) echo "export GOFRONT_ENGINE=26; unset DOCKER_HOST DOCKER_CONFIG" ;;
  28)
    echo "export GOFRONT_ENGINE=28"
    echo "export PATH=/opt/gofront-engine-28/usr/bin:\$PATH"
    echo "export DOCKER_HOST=unix:///run/gofront-28/docker.sock"
    echo "export DOCKER_CONFIG=/etc/gofront-28/client"
    ;;
  *) echo "env.sh: unknown engine $1 (26 or 28)" >&2; exit 1 ;;
esac
