#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, the provider behavior suites against the
# vendor simulators, and the end-to-end tests of the `unishare` binary in tests/, including the
# dashboard's browser test (tests/e2e_dashboard.rs), for which Debian's chromium is installed
# first when missing (scripts/install-chromium.sh; needs root, as in CI), and the cluster
# tests, for which Debian's redis-server is installed the same way (scripts/install-redis.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
bash scripts/install-redis.sh
cargo test --workspace --all-targets "$@"
