#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (tests/e2e_dashboard.rs) when it
# is missing. Needs root (CI runs as root); elsewhere it says what to run and exits 0, and the
# test then skips with a printed line (outside CI only: with CI set the test fails instead).
set -euo pipefail
. "$(dirname "$0")/debian-package.sh"
if debian_package install-chromium "test -x /usr/bin/chromium" chromium fonts-dejavu-core; then
  /usr/bin/chromium --version
fi
