#!/usr/bin/env bash
# Run one jsocklnd node in its own JVM, driven over stdin/stdout (io.jsocklnd.harness.NodeProcess), as
# TwoProcessExchangeTest does. Commands: warmup PEER | send PEER COUNT SEED | await PEER COUNT TIMEOUT_MS |
# connections PEER | quit.
#
#   test-harness/node-process.sh --nid 127.0.32.2@tcp [--protocol 2] [--hello-latency-ms 40]
#
# Needs `make native` and compiled test classes (cd java && mvn -q test-compile); root for port 988.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cp_file=$root/java/target/test-classpath.txt
if [ ! -f "$cp_file" ]; then
  make -C "$root" --no-print-directory java/target/test-classpath.txt >&2
fi
exec java -cp "$root/java/target/test-classes:$root/java/target/classes:$(cat "$cp_file")" \
  -Djsocklnd.native.lib="$root/native/build/libjsl.so" \
  io.jsocklnd.harness.NodeProcess "$@"
