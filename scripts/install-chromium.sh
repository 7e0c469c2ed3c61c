#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (tests/e2e_dashboard.rs) when it
# is missing. Needs root (CI runs as root); elsewhere it says what to run and exits 0, and the
# test then skips with a printed line (outside CI only: with CI set the test fails instead).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-chromium: /usr/bin/chromium is missing; run 'apt-get install -y chromium' as root" >&2
  exit 0
fi
echo "install-chromium: installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
