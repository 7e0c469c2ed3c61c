#!/usr/bin/env bash
# Fuzzes the vendor JSON mappers with cargo-fuzz (libFuzzer), FUZZ_SECONDS per target
# (default 60). Needs the nightly toolchain (`rustup toolchain install nightly`); installs
# cargo-fuzz from crates.io when missing. Crashes land in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh koodrive_list_page
#
# On stable, CI feeds arbitrary bytes to the same mappers through proptest instead
# (tests/mapper_bytes.rs).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: the nightly toolchain is needed: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
    echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
    mkdir -p "corpus/$t"
    cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER_TARGET" -max_len=65536
done
echo "fuzz.sh: no crash in ${#targets[@]} target(s)"
