# Shared by bench/callgrind.sh and bench/store.sh (sourced, not run): release binaries, the
# load simulators, and a gateway config over them. Expects ROOT, TARGET, W and the PIDS array.

# Builds the release gateway and the load tool.
build_release() {
  (cd "$ROOT" && cargo build --release -q -p unishare --bin unishare && cargo build --release -q -p unishare-gateway --example loadbench)
}

# Starts the load simulators with $1 shares per vendor; their URLs end up in $W/sims.json.
start_sims() {
  "$TARGET/release/examples/loadbench" sims --shares "$1" >"$W/sims.json" 2>"$W/sims.log" &
  PIDS+=($!)
  for _ in $(seq 1 600); do [ -s "$W/sims.json" ] && break; sleep 0.1; done
}

# Writes $W/gw.toml: a gateway over the two simulators, with $1 (extra TOML sections) added.
write_gateway_toml() {
  cat >"$W/gw.toml" <<TOML
[server]
listen = "127.0.0.1:0"
request_timeout = "120s"
[upstream]
timeout = "100s"
[cache]
ttl = "30m"
max_stale = "1h"
cold_wait = "100s"
${1:-}
[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "$(jq -r .cloudreve "$W/sims.json")"
auth = { method = "password", email = "admin@cloudreve.org", password = "demo-password" }
[[accounts]]
name = "cn"
provider = "koodrive"
base_url = "$(jq -r .koodrive "$W/sims.json")"
auth = { method = "app", app_id = "demo-app", app_secret = "demo-app-secret", user_id = "1505084218764547200" }
TOML
}
