#!/usr/bin/env bash
# Load benchmark of unishare (issue 8). See docs/benchmarks.md.
#
#   bench/run.sh                 # defaults below; override with environment variables
#   SHARES=50000 DURATION=10 CONNECTIONS=64 ROUNDS=4 WRK_THREADS=1 bench/run.sh
#
# Builds release binaries, starts the simulators (SHARES per vendor) on core 1, runs the gateway
# pinned to core 0 (taskset), and measures: cache-hit list vs a same-run static baseline of the
# same body size (wrk, CONNECTIONS connections, DURATION seconds, ROUNDS alternating rounds);
# cold start at 0 ms and LATENCY_MS per vendor page, each beside a same-run vendor-only crawl;
# a unique query per request (1b) and a unique combined filter per request (1c), neither cached;
# coalescing of BURST cold requests; RSS per cached share; NDJSON export throughput. Prints one summary table. Exits non-zero when a step
# fails to run (never because a target is missed).
set -euo pipefail

SHARES=${SHARES:-50000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-4}
LATENCY_MS=${LATENCY_MS:-20}
# Shares of the site-wide Cloudreve (10 users) whose admin listing step 7 crawls; 0 skips it.
SITE_SHARES=${SITE_SHARES:-100000}
BURST=${BURST:-500}
GW_CPU=${GW_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
# One wrk thread per core of LOAD_CPU: two threads time-sharing one core stall each other for a
# scheduler slice and put ~5 ms into every server's p99 (docs/benchmarks.md, "p99").
# Default: the number of cores in LOAD_CPU (set once the tools are installed).
WRK_THREADS=${WRK_THREADS:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d /tmp/unishare-bench.XXXXXX)
PIDS=()

log() { echo "[bench] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------------
need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return
  log "installing $2"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null 2>&1 || die "cannot install $2"
}
need_pkg wrk wrk
need_pkg jq jq
need_pkg curl curl
need_pkg taskset util-linux
[ -n "$WRK_THREADS" ] || WRK_THREADS=$(taskset -c "$LOAD_CPU" nproc)

# --- build -------------------------------------------------------------------------------------
log "building release binaries (target dir $TARGET)"
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p unishare --bin unishare \
  && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p unishare-gateway --example loadbench) \
  || die "cargo build"
UNISHARE=$TARGET/release/unishare
LOADBENCH=$TARGET/release/examples/loadbench

# --- simulators --------------------------------------------------------------------------------
log "starting simulators with 2 x $SHARES shares (core $LOAD_CPU)"
taskset -c "$LOAD_CPU" "$LOADBENCH" sims --shares "$SHARES" --site-shares "$SITE_SHARES" >"$WORK/sims.json" 2>"$WORK/sims.log" &
PIDS+=($!)
for _ in $(seq 1 600); do [ -s "$WORK/sims.json" ] && break; sleep 0.1; done
[ -s "$WORK/sims.json" ] || die "simulators did not start: $(cat "$WORK/sims.log")"
SIM_CR=$(jq -r .cloudreve "$WORK/sims.json")
SIM_KD=$(jq -r .koodrive "$WORK/sims.json")
EMPTY_CR=$(jq -r .empty_cloudreve "$WORK/sims.json")
EMPTY_KD=$(jq -r .empty_koodrive "$WORK/sims.json")
CONTROL=$(jq -r .control "$WORK/sims.json")

write_config() { # file cloudreve_url koodrive_url cold_wait
  cat >"$1" <<TOML
[server]
listen = "127.0.0.1:0"

[cache]
ttl = "30m"
max_stale = "1h"
cold_wait = "$4"

[upstream]
timeout = "20s"
max_retries = 2

[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "$2"
auth = { method = "password", email = "admin@cloudreve.org", password = "demo-password" }

[[accounts]]
name = "cn"
provider = "koodrive"
base_url = "$3"
auth = { method = "app", app_id = "demo-app", app_secret = "demo-app-secret", user_id = "1505084218764547200" }
TOML
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

GW_PID=""
GW=""
start_gateway() { # config name; sets GW_PID, GW, GW_T0
  local out=$WORK/$2.out
  GW_T0=$(now_ms)
  RUST_LOG=${RUST_LOG:-warn} taskset -c "$GW_CPU" "$UNISHARE" serve --config "$1" >"$out" 2>"$WORK/$2.log" &
  GW_PID=$!
  PIDS+=("$GW_PID")
  for _ in $(seq 1 5000); do
    grep -q "listening on" "$out" 2>/dev/null && break
    kill -0 "$GW_PID" 2>/dev/null || die "gateway $2 exited: $(tail -5 "$WORK/$2.log")"
    sleep 0.002
  done
  GW=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
  [ -n "$GW" ] || die "gateway $2 did not print its address"
}
wait_ready() { # [poll ms] prints ms from process start to /readyz 200
  # Polled over one kept-alive connection from the load core: a new connection per poll would
  # cost the gateway ~0.4 ms of CPU each, counted in the cold-start CPU figures.
  taskset -c "$LOAD_CPU" "$LOADBENCH" wait-ready --url "$GW/readyz" --every-ms "${1:-5}" \
    || die "gateway not ready: $(tail -5 "$WORK"/*.log 2>/dev/null)"
  kill -0 "$GW_PID" 2>/dev/null || die "gateway exited while warming up"
  echo $(( $(now_ms) - GW_T0 ))
}
stop_gateway() { kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; GW_PID=""; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ms() { # user+system CPU time of a process so far, in ms
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"
}
counter() { # vendor route
  curl -sf "$CONTROL/counters" | jq -r ".$1.$2 // 0"
}
accounts() { curl -sf "$GW/v1/accounts"; }
crawl_ms() { accounts | jq -r ".accounts[] | select(.account==\"$1\") | .last_crawl_ms"; }
crawls_ok() { accounts | jq -r ".accounts[] | select(.account==\"$1\") | .cache.crawls_ok"; }
cached_shares() { accounts | jq -r '[.accounts[].shares // 0] | add'; }

to_ms() { # wrk latency like 1.23ms / 850.00us / 1.02s -> ms
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'
}
run_wrk() { # url name [wrk args...] -> "rps p50ms p99ms"
  local url=$1 name=$2; shift 2
  taskset -c "$LOAD_CPU" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/$name.wrk" 2>&1 \
    || die "wrk $name: $(cat "$WORK/$name.wrk")"
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/$name.wrk")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/$name.wrk")")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' "$WORK/$name.wrk" | tr '\n' ' ')
  [ -z "$errs" ] || log "wrk $name: $errs"
  echo "$rps $p50 $p99"
}

# --- 1. empty gateway: RSS with zero shares ----------------------------------------------------
write_config "$WORK/empty.toml" "$EMPTY_CR" "$EMPTY_KD" "5s"
start_gateway "$WORK/empty.toml" empty
wait_ready >/dev/null
sleep 1
RSS_EMPTY=$(rss_kb "$GW_PID")
stop_gateway
log "empty gateway RSS ${RSS_EMPTY} KiB"

# --- 2. cold start, 0 ms vendor latency (this gateway then serves the warm tests) ---------------
curl -sf -X POST "$CONTROL/latency/0" >/dev/null
curl -sf -X POST "$CONTROL/reset" >/dev/null
write_config "$WORK/gw.toml" "$SIM_CR" "$SIM_KD" "30s"
start_gateway "$WORK/gw.toml" cold0
READY0=$(wait_ready)
CPU0=$(cpu_ms "$GW_PID")
CR_PAGES0=$(counter cloudreve list); KD_PAGES0=$(counter koodrive list)
CR_MS0=$(crawl_ms hq); KD_MS0=$(crawl_ms cn)
SHARES_CACHED=$(cached_shares)
sleep 1
RSS_WARM=$(rss_kb "$GW_PID")
log "cold start 0 ms: ready ${READY0} ms; crawl hq ${CR_MS0} ms / ${CR_PAGES0} pages, cn ${KD_MS0} ms / ${KD_PAGES0} pages; ${SHARES_CACHED} shares; RSS ${RSS_WARM} KiB"

# --- 3. cache-hit list vs static baseline (alternating rounds) ---------------------------------
LIST_PATH="/v1/shares?limit=50&sort=views"
curl -sf "$GW$LIST_PATH" -o "$WORK/body.json" || die "list request"
BODY_BYTES=$(wc -c <"$WORK/body.json")
[ "$(jq '.shares | length' "$WORK/body.json")" = 50 ] || die "list did not return 50 shares"
BASE_PORT_FILE=$WORK/baseline.out
declare -a GW_RES BASE_RES
for r in $(seq 1 "$ROUNDS"); do
  log "round $r: unishare cache-hit list (${BODY_BYTES}-byte body)"
  GW_RES+=("$(run_wrk "$GW$LIST_PATH" "gw$r")")
  log "round $r: static baseline"
  taskset -c "$GW_CPU" "$LOADBENCH" baseline --body "$WORK/body.json" --listen 127.0.0.1:0 >"$BASE_PORT_FILE" 2>&1 &
  BASE_PID=$!; PIDS+=("$BASE_PID")
  for _ in $(seq 1 500); do grep -q listening "$BASE_PORT_FILE" && break; sleep 0.01; done
  BASE=$(grep -o 'http://[0-9.:]*' "$BASE_PORT_FILE" | head -1)
  [ -n "$BASE" ] || die "baseline did not start"
  [ "$(curl -s "$BASE$LIST_PATH" | wc -c)" = "$BODY_BYTES" ] || die "baseline body size differs"
  BASE_RES+=("$(run_wrk "$BASE$LIST_PATH" "base$r")")
  kill "$BASE_PID"; wait "$BASE_PID" 2>/dev/null || true
done
log "unique query per request (no response or total cache)"
UNIQ_RES=$(run_wrk "$GW/" uniq -s "$ROOT/bench/unique_query.lua")
log "combined filter per request (provider + status + created_after + q; no cache)"
COMB_RES=$(run_wrk "$GW/" comb -s "$ROOT/bench/combined_query.lua")
RSS_AFTER_LOAD=$(rss_kb "$GW_PID")

# --- 4. export throughput from warm cache -------------------------------------------------------
EXPORT_KIND="ndjson export"
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$GW/v1/export?format=ndjson&account=hq")" = 200 ]; then
  EXP1=$(taskset -c "$LOAD_CPU" "$LOADBENCH" export --url "$GW/v1/export?format=ndjson") || die "export"
  EXP2=$(taskset -c "$LOAD_CPU" "$LOADBENCH" export --url "$GW/v1/export?format=ndjson") || die "export"
else
  EXPORT_KIND="list walk (limit=1000; no /v1/export)"
  EXP1=$(taskset -c "$LOAD_CPU" "$LOADBENCH" walk --base "$GW") || die "walk"
  EXP2=$(taskset -c "$LOAD_CPU" "$LOADBENCH" walk --base "$GW") || die "walk"
fi
EXPORT_LINES=$(echo "$EXP2" | jq -r .lines)
EXPORT_RATE=$(printf '%s\n%s\n' "$EXP1" "$EXP2" | jq -s 'map(.per_sec) | max | floor')
EXPORT_MB=$(echo "$EXP2" | jq -r '.bytes / 1048576 | floor')
stop_gateway

# --- vendor-only baseline of a crawl: both lists read directly, page after page, at once ---------
vendor_crawl() { # prints "cloudreve_ms cloudreve_pages koodrive_ms koodrive_pages"
  local out
  out=$(taskset -c "$GW_CPU" "$LOADBENCH" vendor-crawl --cloudreve "$SIM_CR" --koodrive "$SIM_KD") \
    || die "vendor-crawl"
  echo "$out" | jq -r '"\(.cloudreve.ms) \(.cloudreve.pages) \(.koodrive.ms) \(.koodrive.pages)"'
}
log "vendor-only crawl, 0 ms"
VC0=$(vendor_crawl)
read -r VCR_MS0 VCR_P0 VKD_MS0 VKD_P0 <<<"$VC0"

# --- 5. cold start with vendor latency per page --------------------------------------------------
curl -sf -X POST "$CONTROL/latency/$LATENCY_MS" >/dev/null
curl -sf -X POST "$CONTROL/reset" >/dev/null
start_gateway "$WORK/gw.toml" coldlat
log "cold start with ${LATENCY_MS} ms per page (about $((SHARES / 100 * LATENCY_MS / 1000)) s)"
READYL=$(wait_ready 20)
CPUL=$(cpu_ms "$GW_PID")
CR_PAGESL=$(counter cloudreve list); KD_PAGESL=$(counter koodrive list)
CR_MSL=$(crawl_ms hq); KD_MSL=$(crawl_ms cn)
stop_gateway
log "vendor-only crawl, ${LATENCY_MS} ms"
VCL=$(vendor_crawl)
read -r VCR_MSL VCR_PL VKD_MSL VKD_PL <<<"$VCL"
curl -sf -X POST "$CONTROL/latency/0" >/dev/null

# --- 6. coalescing: BURST concurrent requests at a cold gateway ----------------------------------
curl -sf -X POST "$CONTROL/reset" >/dev/null
start_gateway "$WORK/gw.toml" burst
BURST_OUT=$(taskset -c "$LOAD_CPU" "$LOADBENCH" burst --url "$GW$LIST_PATH" --n "$BURST") || die "burst"
wait_ready >/dev/null
CR_PAGESB=$(counter cloudreve list); KD_PAGESB=$(counter koodrive list)
CR_CRAWLS=$(crawls_ok hq); KD_CRAWLS=$(crawls_ok cn)
MISSES=$(accounts | jq '[.accounts[].cache.miss] | add')
stop_gateway

# --- 7. site inventory: a cold crawl of one site-wide account (every user's links) ----------------
SITE_ROW="skipped (SITE_SHARES=0)"
SITE_CR=$(jq -r '.site_cloudreve // empty' "$WORK/sims.json")
if [ -n "$SITE_CR" ]; then
  cat >"$WORK/site.toml" <<TOML
[server]
listen = "127.0.0.1:0"

[cache]
ttl = "30m"
max_stale = "1h"
cold_wait = "30s"

[[accounts]]
name = "corp"
provider = "cloudreve"
base_url = "$SITE_CR"
inventory = "site"
auth = { method = "password", email = "admin@cloudreve.org", password = "demo-password" }
TOML
  curl -sf -X POST "$CONTROL/reset" >/dev/null
  start_gateway "$WORK/site.toml" site
  READYS=$(wait_ready 50)
  CPUS=$(cpu_ms "$GW_PID")
  SITE_PAGES=$(curl -sf "$CONTROL/counters" | jq -r '.site.admin_list // 0')
  SITE_CACHED=$(cached_shares)
  stop_gateway
  SITE_ROW="${SITE_CACHED} shares, ${SITE_PAGES} pages, ready ${READYS} ms, CPU ${CPUS} ms = $(awk -v c="$CPUS" -v p="$SITE_PAGES" 'BEGIN { printf "%.3f", c / p }') ms/page"
  log "site inventory: $SITE_ROW"
fi

# --- summary ------------------------------------------------------------------------------------
per_page() { awk -v t="$1" -v p="$2" -v l="$3" 'BEGIN { printf "%.3f", (t - p * l) / p }'; }
over() { # gateway_ms gateway_pages vendor_ms vendor_pages -> gateway ms/page minus vendor-only ms/page
  awk -v g="$1" -v gp="$2" -v v="$3" -v vp="$4" 'BEGIN { printf "%.3f", g / gp - v / vp }'
}
whole() { # gw_ms_a gw_ms_b vendor_ms_a vendor_ms_b pages -> (both snapshots - both vendor-only lists) / pages
  awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v p="$5" \
    'BEGIN { g = (a > b ? a : b); v = (c > d ? c : d); printf "%.3f", (g - v) / p }'
}
mean_field() { printf '%s\n' "$@" | awk -v f="$FIELD" '{ s += $f; n++ } END { printf "%.2f", s / n }'; }
GW_RPS=$(FIELD=1 mean_field "${GW_RES[@]}")
BASE_RPS=$(FIELD=1 mean_field "${BASE_RES[@]}")
GW_P50=$(FIELD=2 mean_field "${GW_RES[@]}"); GW_P99=$(FIELD=3 mean_field "${GW_RES[@]}")
BASE_P50=$(FIELD=2 mean_field "${BASE_RES[@]}"); BASE_P99=$(FIELD=3 mean_field "${BASE_RES[@]}")
RATIO=$(awk -v a="$GW_RPS" -v b="$BASE_RPS" 'BEGIN { printf "%.3f", a / b }')
MEM_PER=$(awk -v w="$RSS_WARM" -v e="$RSS_EMPTY" -v n="$SHARES_CACHED" 'BEGIN { printf "%.0f", (w - e) * 1024 / n }')

{
echo
echo "unishare load benchmark — $(date -u +%FT%TZ), $(nproc) CPUs, gateway on core $GW_CPU, load+simulators on core $LOAD_CPU, wrk -t$WRK_THREADS -c$CONNECTIONS"
echo "shares: $SHARES_CACHED cached (2 x $SHARES); wrk: $CONNECTIONS connections, ${DURATION}s x $ROUNDS rounds; body $BODY_BYTES bytes"
echo
printf '%-52s %-34s %s\n' "measure" "result" "target"
printf '%-52s %-34s %s\n' "----------------------------------------------------" "----------------------------------" "------------------------"
for r in $(seq 1 "$ROUNDS"); do
  read -r a b c <<<"${GW_RES[$((r-1))]}"; read -r d e f <<<"${BASE_RES[$((r-1))]}"
  printf '%-52s %-34s %s\n' "round $r unishare / baseline req/s" "$a / $d" ""
done
printf '%-52s %-34s %s\n' "1 cache-hit list req/s (mean)" "$GW_RPS" ""
printf '%-52s %-34s %s\n' "1 cache-hit list p50 / p99 ms" "$GW_P50 / $GW_P99" "p99 <= 5 ms"
read -r u1 u2 u3 <<<"$UNIQ_RES"
printf '%-52s %-34s %s\n' "1b unique query per request req/s, p50 / p99 ms" "$u1, $u2 / $u3" ">= 5000 req/s"
read -r c1 c2 c3 <<<"$COMB_RES"
printf '%-52s %-34s %s\n' "1c combined filter per request req/s, p50 / p99 ms" "$c1, $c2 / $c3" "(provider+status+created_after+q)"
printf '%-52s %-34s %s\n' "2 static baseline req/s, p50 / p99 ms" "$BASE_RPS, $BASE_P50 / $BASE_P99" ""
printf '%-52s %-34s %s\n' "2 ratio unishare / baseline" "$RATIO" ">= 0.8"
printf '%-52s %-34s %s\n' "3 cold start 0 ms: process start -> ready" "${READY0} ms" ""
printf '%-52s %-34s %s\n' "3   hq (cloudreve) crawl, list calls, ms/page" "${CR_MS0} ms, ${CR_PAGES0}, $(per_page "$CR_MS0" "$CR_PAGES0" 0)" ""
printf '%-52s %-34s %s\n' "3   cn (koodrive) crawl, list calls, ms/page" "${KD_MS0} ms, ${KD_PAGES0}, $(per_page "$KD_MS0" "$KD_PAGES0" 0)" ""
printf '%-52s %-34s %s\n' "3   gateway CPU for the whole cold start, per page" "${CPU0} ms, $(awk -v c="$CPU0" -v p="$((CR_PAGES0 + KD_PAGES0))" 'BEGIN { printf "%.3f", c / p }') ms/page" "<= 1 ms/page"
printf '%-52s %-34s %s\n' "3   vendor-only crawl hq / cn, ms/page" "$(per_page "$VCR_MS0" "$VCR_P0" 0) / $(per_page "$VKD_MS0" "$VKD_P0" 0)" ""
printf '%-52s %-34s %s\n' "3   gateway over vendor-only, hq / cn ms/page" "$(over "$CR_MS0" "$CR_PAGES0" "$VCR_MS0" "$VCR_P0") / $(over "$KD_MS0" "$KD_PAGES0" "$VKD_MS0" "$VKD_P0")" "(per account)"
printf '%-52s %-34s %s\n' "3   both snapshots over both vendor-only lists" "$(whole "$CR_MS0" "$KD_MS0" "$VCR_MS0" "$VKD_MS0" "$((CR_PAGES0 + KD_PAGES0))") ms per vendor page" "<= 1 ms/page"
printf '%-52s %-34s %s\n' "3 cold start ${LATENCY_MS} ms/page: process start -> ready" "${READYL} ms" ""
printf '%-52s %-34s %s\n' "3   gateway CPU for the whole cold start, per page" "${CPUL} ms, $(awk -v c="$CPUL" -v p="$((CR_PAGESL + KD_PAGESL))" 'BEGIN { printf "%.3f", c / p }') ms/page" "<= 1 ms/page"
printf '%-52s %-34s %s\n' "3   hq crawl, list calls, ms/page above ${LATENCY_MS} ms" "${CR_MSL} ms, ${CR_PAGESL}, $(per_page "$CR_MSL" "$CR_PAGESL" "$LATENCY_MS")" "(vendor's own time included)"
printf '%-52s %-34s %s\n' "3   cn crawl, list calls, ms/page above ${LATENCY_MS} ms" "${KD_MSL} ms, ${KD_PAGESL}, $(per_page "$KD_MSL" "$KD_PAGESL" "$LATENCY_MS")" "(vendor's own time included)"
printf '%-52s %-34s %s\n' "3   vendor-only crawl hq / cn, ms/page" "$(per_page "$VCR_MSL" "$VCR_PL" 0) / $(per_page "$VKD_MSL" "$VKD_PL" 0)" ""
printf '%-52s %-34s %s\n' "3   gateway over vendor-only, hq / cn ms/page" "$(over "$CR_MSL" "$CR_PAGESL" "$VCR_MSL" "$VCR_PL") / $(over "$KD_MSL" "$KD_PAGESL" "$VKD_MSL" "$VKD_PL")" "(per account)"
printf '%-52s %-34s %s\n' "3   both snapshots over both vendor-only lists" "$(whole "$CR_MSL" "$KD_MSL" "$VCR_MSL" "$VKD_MSL" "$((CR_PAGESL + KD_PAGESL))") ms per vendor page" "<= 1 ms/page"
printf '%-52s %-34s %s\n' "4 $BURST cold requests: hq list calls / crawls" "$CR_PAGESB / $CR_CRAWLS (one crawl = $CR_PAGES0)" "1 crawl"
printf '%-52s %-34s %s\n' "4 $BURST cold requests: cn list calls / crawls" "$KD_PAGESB / $KD_CRAWLS (one crawl ~ $KD_PAGES0)" "1 crawl"
printf '%-52s %-34s %s\n' "4   responses, cache misses" "$(echo "$BURST_OUT" | jq -c '{complete,partial,failed,slowest_ms:(.slowest_ms|floor)}') $MISSES" ""
printf '%-52s %-34s %s\n' "5 RSS empty / warm / after load KiB" "$RSS_EMPTY / $RSS_WARM / $RSS_AFTER_LOAD" ""
printf '%-52s %-34s %s\n' "5 (RSS warm - RSS empty) / shares cached" "$MEM_PER bytes" "<= 1024 bytes"
printf '%-52s %-34s %s\n' "6 $EXPORT_KIND shares/s (best of 2)" "$EXPORT_RATE ($EXPORT_LINES lines, $EXPORT_MB MiB)" ">= 200000/s"
printf '%-52s %-34s %s\n' "7 site inventory cold crawl: gateway CPU per page" "$SITE_ROW" "<= 1 ms/page"
echo
echo "raw outputs: $WORK"
} | tee "$WORK/summary.txt"
