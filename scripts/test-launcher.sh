#!/usr/bin/env bash
# Checks scripts/jsocklnd from a shell after `make`: help, version, exit codes, decode of the shared captures
# (every output line a JSON object with stream, dir and kind; record counts as the captures hold), the summary,
# and stats without a running node. SHARED_DIR (default ../shared) holds pcaps/.
set -uo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_DIR:-$(cd .. && pwd)/shared}
cmd=scripts/jsocklnd
passed=0
failed=0
out=$(mktemp)
err=$(mktemp)
empty=$(mktemp -d)
trap 'rm -rf "$out" "$err" "$empty"' EXIT

check() {
  local name=$1 expected_rc=$2
  shift 2
  "$@" >"$out" 2>"$err"
  local rc=$?
  if [ "$rc" -ne "$expected_rc" ]; then
    echo "FAIL $name: exit $rc, expected $expected_rc"
    sed 's/^/    /' "$err" | head -10
    failed=$((failed + 1))
    return 1
  fi
  return 0
}

ok() {
  echo "PASS $1"
  passed=$((passed + 1))
}

fail() {
  echo "FAIL $1"
  failed=$((failed + 1))
}

json_lines() {
  python3 - "$1" "$2" <<'PY'
import json, sys
path, expected = sys.argv[1], int(sys.argv[2])
lines = [l for l in open(path) if l.strip()]
for n, line in enumerate(lines, 1):
    obj = json.loads(line)
    assert isinstance(obj, dict), f"line {n} is not an object"
    for key in ("stream", "dir", "kind"):
        assert key in obj, f"line {n} lacks {key}: {line}"
    assert obj["kind"] in ("connreq", "hello", "noop", "lnet", "v1", "gap", "skipped", "error"), line
assert len(lines) == expected, f"{len(lines)} records, expected {expected}"
PY
}

if check help 0 "$cmd" --help && grep -q '^  decode ' "$out" && grep -q '^  stats ' "$out"; then ok help; else fail "help lists decode and stats"; fi
if check version 0 "$cmd" --version && grep -Eq '^jsocklnd [0-9]+\.[0-9]+' "$out"; then ok version; else fail "version"; fi
if check no-subcommand 2 "$cmd"; then ok "no subcommand is a usage error"; fi
if check bad-option 2 "$cmd" decode --no-such-option "$shared/pcaps/ndpi_lustre.pcapng"; then ok "unknown option is a usage error"; fi
if check missing-file 1 "$cmd" decode "$empty/none.pcap" && grep -q 'no such capture file' "$err"; then ok "missing capture fails"; else fail "missing capture message"; fi
# Record counts: ndpi 1 connreq, 2 hellos, 13 LNET; synthetic 2 connreqs, 5 hellos, 4 NOOPs, 6 LNET.
if check decode-ndpi 0 "$cmd" decode "$shared/pcaps/ndpi_lustre.pcapng" && json_lines "$out" 16; then ok "decode ndpi"; else fail "decode ndpi"; fi
if check decode-synth 0 "$cmd" decode "$shared/pcaps/lnet_oracle_synth.pcap" && json_lines "$out" 17; then ok "decode synthetic"; else fail "decode synthetic"; fi
if check decode-other-port 0 "$cmd" decode --port 989 "$shared/pcaps/ndpi_lustre.pcapng" && [ ! -s "$out" ] &&
  grep -q 'no TCP conversation on port 989' "$err"; then ok "decode another port"; else fail "decode another port"; fi
if check summary 0 "$cmd" decode --summary "$shared/pcaps/lnet_oracle_synth.pcap" &&
  grep -q 'requests answered (2)' "$out" && grep -q 'ACKs matching no request (3)' "$out"; then
  ok "decode summary"; else fail "decode summary"; cat "$out"; fi
if check stats-none 1 "$cmd" stats --dir "$empty" && grep -q 'no running node' "$err"; then ok "stats without a node"; else fail "stats message"; fi

echo "launcher: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
