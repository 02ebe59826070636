#!/usr/bin/env bash
# Run the two-process connection races (VersionRaceTest) by hand and print what they saw per case: rounds
# where a hello crossed, rounds refused by the race rule, refusals and fallbacks. Settings come from the
# environment or KEY=VALUE arguments (defaults are those of `make test`):
#
#   ROUNDS=50        rounds per case (at most 127)
#   SEED=<random>    replays the skews and payloads of an earlier run (its seed is printed)
#   LATENCY_MS=40    simulated hello latency in both nodes (NodeConfig.simulatedHelloLatency); 0 turns it
#                    off, and with it the crossing bounds
#   CASE=all         A (new/new), B (new on V1/legacy V1), C-wins, C-loses (V3 connect/V1 node), or all
#   VERBOSE=0        1 prints every round
#
#   test-harness/races.sh ROUNDS=100 LATENCY_MS=20 CASE=B
#
# Needs root (port 988). The races use fixed 127.0.4x.y addresses: where other tests may run at the same
# time, run it in a network namespace of its own (ip netns exec NAME test-harness/races.sh). The full log
# is kept in java/target/races.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for arg in "$@"; do
  case "$arg" in
    ROUNDS=*|SEED=*|LATENCY_MS=*|CASE=*|VERBOSE=*) export "${arg?}" ;;
    *) echo "usage: $0 [ROUNDS=N] [SEED=N] [LATENCY_MS=N] [CASE=A|B|C-wins|C-loses|all] [VERBOSE=1]" >&2; exit 2 ;;
  esac
done
ROUNDS=${ROUNDS:-50}
LATENCY_MS=${LATENCY_MS:-40}
CASE=${CASE:-all}
VERBOSE=${VERBOSE:-0}

case "$CASE" in
  A) methods=shouldSettleRacesBetweenTwoCurrentNodesOnOneV3Set ;;
  B) methods=shouldSettleRacesBetweenANodeAlreadyUsingV1AndALegacyV1Node ;;
  C-wins) methods=shouldSettleRacesOfAV3ConnectAgainstAV1NodeThatWins ;;
  C-loses) methods=shouldSettleRacesOfAV3ConnectAgainstAV1NodeThatLosesAndIsRescheduled ;;
  all) methods='should*' ;;
  *) echo "unknown CASE=$CASE (A, B, C-wins, C-loses, all)" >&2; exit 2 ;;
esac

props=(-Djsocklnd.race.rounds="$ROUNDS" -Djsocklnd.race.latency.ms="$LATENCY_MS")
if [ -n "${SEED:-}" ]; then
  props+=(-Djsocklnd.test.seed="$SEED")
fi
if [ "$VERBOSE" = 1 ]; then
  props+=(-Djsocklnd.race.verbose=true)
fi

make -C "$root" --no-print-directory native >/dev/null
mkdir -p "$root/java/target"
log=$root/java/target/races.log
rc=0
(cd "$root/java" && mvn -B -q test -Dtest="VersionRaceTest#$methods" "${props[@]}") >"$log" 2>&1 || rc=$?

# Case numbers in the test: 1 = A, 2 = B, 3 = C-wins, 4 = C-loses.
sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -a '^VersionRaceTest ' | sed -e 's/^VersionRaceTest case 1 /case A       /' \
  -e 's/^VersionRaceTest case 2 /case B       /' -e 's/^VersionRaceTest case 3 /case C-wins  /' \
  -e 's/^VersionRaceTest case 4 /case C-loses /' -e 's/^VersionRaceTest //' || true
if [ "$rc" -ne 0 ]; then
  echo "FAILED (mvn rc=$rc); from $log:" >&2
  grep -a -E '\[ERROR\]|AssertionFailed|expected' "$log" | head -20 >&2 || true
  exit "$rc"
fi
echo "passed; full log: $log"
