#!/usr/bin/env bash
# Bounded soak: mixed client load against the release binary for SOAK_SECONDS (default 300)
# while faults switch on and off on both simulated vendors every 5 s (500 bursts, 429 with
# Retry-After, latency past the timeout, dropped connections, expired tokens). Prints one
# SOAK line: requests, 5xx, other errors, panics, RSS at start and end (KiB). Exits non-zero
# on any 5xx or panic. See docs/resilience.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOAK_SECONDS="${SOAK_SECONDS:-300}"
cargo build --release --bin unishare --example soak
UNISHARE_BIN="${CARGO_TARGET_DIR:-target}/release/unishare" \
    "${CARGO_TARGET_DIR:-target}/release/examples/soak"
