#!/usr/bin/env bash
# Refreshes docs/img/dashboard.png (laptop), dashboard-phone.png and dashboard-dark.png: runs the
# dashboard's browser test (tests/e2e_dashboard.rs) with its screenshots also written to
# docs/img. Installs Debian's chromium first when missing (scripts/install-chromium.sh), and
# the Noto CJK and emoji fonts for the seeded names (the test itself does not need them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
if [ "$(id -u)" = 0 ] && ! dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    fonts-noto-cjk fonts-noto-color-emoji >/dev/null
fi
mkdir -p docs/img
UNISHARE_SCREENSHOT_DIR="$PWD/docs/img" cargo test --test e2e_dashboard -- --nocapture
ls -l docs/img/dashboard*.png
