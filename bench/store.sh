#!/usr/bin/env bash
# Restart-to-serving from `[store] path` (issue 19, docs/store.md): a gateway over the load
# simulators (2 x SHARES_PER_VENDOR shares) crawls once and writes its snapshots; it is stopped,
# and a new one is started with the same store: the time from its start to the first list
# answer with every share is printed (the vendors are still up but every share is already
# served from the store, `stale`, while the new crawl runs). Needs jq and curl.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PER_VENDOR=${SHARES_PER_VENDOR:-50000}
W=$(mktemp -d /tmp/unishare-store-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
. "$ROOT/bench/lib.sh"
build_release
start_sims "$PER_VENDOR"
write_gateway_toml "[store]
path = \"$W/store\""
start() { # -> sets GW_PID, BASE; $1 = log name
  "$TARGET/release/unishare" serve --config "$W/gw.toml" >"$W/$1.out" 2>"$W/$1.log" &
  GW_PID=$!; PIDS+=("$GW_PID")
  for _ in $(seq 1 100000); do grep -q "listening on" "$W/$1.out" 2>/dev/null && break; done
  BASE=$(grep -o 'http://[0-9.:]*' "$W/$1.out" | head -1)
}
total() { curl -s "$BASE/v1/shares?limit=1" | jq -r '.total // 0' 2>/dev/null || echo 0; }
WANT=$((2 * PER_VENDOR))
start first
until [ "$(total)" = "$WANT" ]; do sleep 0.2; done
until [ -s "$W/store/hq.snap" ] && [ -s "$W/store/cn.snap" ]; do sleep 0.1; done
sleep 1
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
BYTES=$(du -cb "$W/store"/*.snap | tail -1 | cut -f1)
T0=$(date +%s%N)
start second
until [ "$(total)" = "$WANT" ]; do :; done
T1=$(date +%s%N)
STATE=$(curl -s "$BASE/v1/shares?limit=1" | jq -c '[.accounts[].state]')
echo "store: $WANT shares in $((BYTES / 1024)) KiB on disk ($((BYTES / WANT)) B/share)"
echo "restart-to-serving from the store: $(( (T1 - T0) / 1000000 )) ms to a list answer with all $WANT shares (states $STATE)"
