#!/usr/bin/env bash
# `[cluster]` benchmarks (issue 19, docs/cluster.md), over a real redis-server on a free
# loopback port and the load simulators (2 x SHARES_PER_VENDOR shares):
#  1. a replica joining a warm cluster: replica A crawls and publishes; replica B is started and
#     the time from its start to a list answer with every share is printed, with B's crawl count
#     (0: it loaded the shared snapshots instead of crawling); then a revoke through B and the
#     time until A answers 404 for that share;
#  2. cache-hit requests/s of the cluster replica B against a single process without [cluster]
#     over the same simulators, in alternating wrk rounds of the same run (ratio B / single).
# Gateways run on core GW_CPU, wrk on LOAD_CPU. Needs redis-server, redis-cli, jq, curl, wrk.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PER_VENDOR=${SHARES_PER_VENDOR:-50000}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
GW_CPU=${GW_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
W=$(mktemp -d /tmp/unishare-cluster-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
. "$ROOT/bench/lib.sh"
bash "$ROOT/scripts/install-redis.sh"
for t in jq curl wrk; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done
build_release
start_sims "$PER_VENDOR"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$W" >"$W/redis.log" 2>&1 &
PIDS+=($!)
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done

write_gateway_toml "[cluster]
redis_url = \"redis://127.0.0.1:$PORT/\"
namespace = \"bench\""
cp "$W/gw.toml" "$W/cluster.toml"
write_gateway_toml ""
cp "$W/gw.toml" "$W/single.toml"

start() { # config name -> sets GW_PID, BASE
  taskset -c "$GW_CPU" "$TARGET/release/unishare" serve --config "$1" >"$W/$2.out" 2>"$W/$2.log" &
  GW_PID=$!; PIDS+=("$GW_PID")
  for _ in $(seq 1 100000); do grep -q "listening on" "$W/$2.out" 2>/dev/null && break; done
  BASE=$(grep -o 'http://[0-9.:]*' "$W/$2.out" | head -1)
}
total() { curl -s "$1/v1/shares?limit=1" | jq -r '.total // 0' 2>/dev/null || echo 0; }
crawls() { curl -s "$1/v1/accounts" | jq -r '[.accounts[].cache.crawls_ok] | add'; }
WANT=$((2 * PER_VENDOR))

# 1. A crawls and publishes; B joins.
start "$W/cluster.toml" a; A=$BASE; A_PID=$GW_PID
until [ "$(total "$A")" = "$WANT" ]; do sleep 0.2; done
snap_key() { redis-cli -p "$PORT" --scan --pattern "bench:$1:*:snap" | head -1; }
until [ -n "$(snap_key hq)" ] && [ -n "$(snap_key cn)" ]; do sleep 0.1; done
BYTES=$(( $(redis-cli -p "$PORT" hstrlen "$(snap_key hq)" data) + $(redis-cli -p "$PORT" hstrlen "$(snap_key cn)" data) ))
T0=$(date +%s%N)
start "$W/cluster.toml" b; B=$BASE
until [ "$(total "$B")" = "$WANT" ]; do :; done
T1=$(date +%s%N)
echo "shared snapshots in Redis: $((BYTES / 1024)) KiB for $WANT shares ($((BYTES / WANT)) B/share)"
echo "replica joining a warm cluster: $(( (T1 - T0) / 1000000 )) ms from start to a list answer with all $WANT shares; its crawls: $(crawls "$B") (A's: $(crawls "$A"))"

# 1b. A write on B read on A: revoke one share through B, poll A until it answers 404.
ID=$(curl -s "$B/v1/shares?account=hq&limit=1" | jq -r '.shares[0].id')
[ "$(curl -s -o /dev/null -w '%{http_code}' "$A/v1/shares/$ID")" = 200 ] || { echo "A does not serve $ID" >&2; exit 1; }
T0=$(date +%s%N)
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$B/v1/shares/$ID")
[ "$CODE" = 204 ] || { echo "revoke on B answered $CODE" >&2; exit 1; }
T1=$(date +%s%N)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$A/v1/shares/$ID")" = 404 ]; do :; done
T2=$(date +%s%N)
echo "a revoke on B (answered in $(( (T1 - T0) / 1000000 )) ms) was read on A $(( (T2 - T1) / 1000000 )) ms after B answered"

# 2. Cache hits: replica B (cluster) vs a single process (no [cluster]), alternating rounds.
kill "$A_PID"; wait "$A_PID" 2>/dev/null || true # only B and the single process take load
start "$W/single.toml" single; S=$BASE
until [ "$(total "$S")" = "$((WANT - 1))" ]; do sleep 0.2; done
LIST="/v1/shares?limit=50&sort=views"
rps() { taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1$LIST" | awk '/Requests\/sec/ {print $2}'; }
CL=(); SI=()
for r in $(seq 1 "$ROUNDS"); do
  CL+=("$(rps "$B")"); SI+=("$(rps "$S")")
  echo "round $r: cluster replica ${CL[-1]} req/s, single process ${SI[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
MC=$(median "${CL[@]}"); MS=$(median "${SI[@]}")
echo "cache-hit list (median of $ROUNDS x ${DURATION}s): cluster replica $MC req/s, single process $MS req/s, ratio $(awk -v a="$MC" -v b="$MS" 'BEGIN {printf "%.3f", a/b}') (target >= 0.8)"
