# Sourced by scripts/install-chromium.sh and scripts/install-redis.sh (not run):
# `debian_package NAME CHECK PACKAGES...` installs Debian PACKAGES with apt-get unless CHECK (a
# command) succeeds. Needs root (CI runs as root); elsewhere it says what to run and returns 1,
# and the caller's tests then skip or fail with a message naming the script.
debian_package() {
  local name=$1 check=$2; shift 2
  if eval "$check" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "$name: missing; run 'apt-get install -y $*' as root" >&2
    return 1
  fi
  echo "$name: installing Debian's $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
