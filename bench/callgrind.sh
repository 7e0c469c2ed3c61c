#!/usr/bin/env bash
# Exact cost of a cache-hit list request in user-space instructions (issue 8, docs/benchmarks.md):
# the gateway (over the simulators, warm) and the static baseline each run under
# `valgrind --tool=callgrind` with instrumentation switched on only while wrk sends the same
# request; prints instructions per request for both. Deterministic for a given binary, unlike
# throughput on a shared VM. Needs valgrind, wrk, jq, curl (installed from the system packages
# when missing). KEEP=DIR keeps the callgrind files for callgrind_annotate. REDIS_URL=redis://…
# runs the gateway as a `[cluster]` replica (docs/cluster.md) over that Redis.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SECONDS_PER_SIDE=${DURATION:-4}
W=$(mktemp -d /tmp/unishare-callgrind.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need valgrind valgrind; need wrk wrk; need jq jq; need curl curl

. "$ROOT/bench/lib.sh"
build_release
start_sims 50000
write_gateway_toml "${REDIS_URL:+[cluster]
redis_url = \"$REDIS_URL\"
namespace = \"callgrind-$$\"}"
LIST="/v1/shares?limit=50&sort=views"

measure() { # name url-file command... -> prints "requests instructions"
  local name=$1; shift
  RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$W/$name.cg" "$@" >"$W/$name.out" 2>"$W/$name.log" &
  local pid=$!; PIDS+=("$pid")
  for _ in $(seq 1 30000); do grep -q "listening on" "$W/$name.out" 2>/dev/null && break; sleep 0.01; done
  local base; base=$(grep -o 'http://[0-9.:]*' "$W/$name.out" | head -1)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || [ "$name" = baseline ]; do sleep 0.2; done
  if [ "$name" = gateway ] && [ -n "${REDIS_URL:-}" ]; then
    # A replica publishes its crawl in the background: measure after it did.
    for acct in hq cn; do
      until [ -n "$(redis-cli -u "$REDIS_URL" --scan --pattern "callgrind-$$:$acct:*:snap" | head -1)" ]; do sleep 0.2; done
    done
    sleep 2
  fi
  [ "$name" = gateway ] && curl -sf "$base$LIST" -o "$W/body.json"
  for _ in 1 2 3 4 5; do curl -sf "$base$LIST" -o /dev/null; done
  callgrind_control -i on "$pid" >/dev/null 2>&1
  local n; n=$(wrk -t1 -c8 -d"${SECONDS_PER_SIDE}s" "$base$LIST" | awk '/requests in/ {print $1}')
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  local ir; ir=$(cat "$W/$name".cg* | grep -E "^(summary|totals):" | awk '{s += $2} END {print s}')
  kill "$pid" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$W/$name".cg* "$KEEP/"
  echo "$n $ir"
}
read -r GN GI <<<"$(measure gateway "$TARGET/release/unishare" serve --config "$W/gw.toml")"
read -r BN BI <<<"$(measure baseline "$TARGET/release/examples/loadbench" baseline --body "$W/body.json" --listen 127.0.0.1:0)"
echo "cache-hit list, user-space instructions per request: unishare $((GI / GN)) ($GN requests), static baseline $((BI / BN)) ($BN requests)"
