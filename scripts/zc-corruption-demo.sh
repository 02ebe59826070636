#!/usr/bin/env bash
# Two nodes on loopback: the sender overwrites each payload buffer as soon as its send completes, the receiver
# checks the CRC32C of every payload. Runs once with completion on the ZC-ACK and once with the unsafe
# complete-on-write switch, and prints the corruption count of each. Needs root (port 988) and `make jar`.
# Usage: scripts/zc-corruption-demo.sh [messages per run, default 20000] [SPLICE|MSG_ZEROCOPY, default SPLICE]
set -euo pipefail
cd "$(dirname "$0")/.."
CP_FILE=java/target/test-classpath.txt
if [ ! -f "$CP_FILE" ] || [ ! -d java/target/classes ]; then
  echo "build first: make jar $CP_FILE" >&2
  exit 1
fi
exec java -cp "java/target/classes:$(cat "$CP_FILE")" -Djsocklnd.native.lib="$PWD/native/build/libjsl.so" \
  io.jsocklnd.demo.ZcCorruptionDemo "${1:-20000}" "${2:-SPLICE}"
