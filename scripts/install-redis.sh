#!/usr/bin/env bash
# Installs Debian's redis-server for the cluster tests (tests/e2e_cluster.rs and the gateway's
# cluster unit tests, which start their own redis-server on a free loopback port) when it is
# missing. Needs root (CI runs as root); elsewhere it says what to run and exits 0, and the
# tests then fail with a message naming this script. (Where the package starts a service on
# 6379, it is not used: each test starts its own.)
set -euo pipefail
. "$(dirname "$0")/debian-package.sh"
if debian_package install-redis "command -v redis-server" redis-server; then
  redis-server --version
fi
