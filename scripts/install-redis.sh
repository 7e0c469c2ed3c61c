#!/usr/bin/env bash
# Installs Debian's redis-server for the cluster tests (tests/e2e_cluster.rs and the gateway's
# cluster unit tests, which start their own redis-server on a free loopback port) when it is
# missing. Needs root (CI runs as root); elsewhere it says what to run and exits 0, and the
# tests then fail with a message naming this script.
set -euo pipefail
if command -v redis-server >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-redis: redis-server is missing; run 'apt-get install -y redis-server' as root" >&2
  exit 0
fi
echo "install-redis: installing Debian's redis-server (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a service on 6379 where an init system runs; the tests start their own.
redis-server --version
