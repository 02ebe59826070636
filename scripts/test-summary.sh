#!/usr/bin/env bash
# Sums the Surefire XML reports of the last run and prints one closing line: "N passed, N failed, N skipped".
set -euo pipefail
dir=${1:-java/target/surefire-reports}
shopt -s nullglob
files=("$dir"/TEST-*.xml)
if [ ${#files[@]} -eq 0 ]; then
  echo "no surefire reports in $dir" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
python3 - "${files[@]}" <<'PY'
import sys, xml.etree.ElementTree as ET
tests = failures = errors = skipped = 0
for path in sys.argv[1:]:
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests", 0)); failures += int(suite.get("failures", 0))
    errors += int(suite.get("errors", 0)); skipped += int(suite.get("skipped", 0))
failed = failures + errors
print(f"junit: {len(sys.argv) - 1} classes")
print(f"{tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
