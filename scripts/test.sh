#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, the provider behavior suites against the
# vendor simulators, and the end-to-end tests of the `unishare` binary in tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets "$@"
