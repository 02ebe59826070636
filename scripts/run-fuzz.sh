#!/usr/bin/env bash
# Runs every *FuzzTest class in Jazzer fuzzing mode for FUZZ_SECONDS seconds (default 5), one JVM per class,
# through the JUnit console launcher. Each class runs in fuzz-findings/<Class>/ (git-ignored): crash files
# (crash-*) and the generated corpus (.cifuzz-corpus/) land there, the log in run.log.
# The duration is Jazzer's max_duration option (-Djazzer.max_duration), which overrides @FuzzTest(maxDuration).
# JUnit's @Timeout would cut the whole fuzzing run short, so it is disabled here (Jazzer still turns the class's
# @Timeout into libFuzzer's per-input -timeout) and `timeout` bounds each JVM at FUZZ_SECONDS + 180 s.
# FUZZ_FILTER (a grep -E pattern on the class name) narrows the run to some classes.
# Fails on any finding; prints executions per class and a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

FUZZ_SECONDS=${FUZZ_SECONDS:-5}
FUZZ_HEAP=${FUZZ_HEAP:-1g}
cp_file=java/target/test-classpath.txt
test_classes=java/target/test-classes

case "$FUZZ_SECONDS" in
  ''|*[!0-9]*) echo "run-fuzz: FUZZ_SECONDS must be a whole number of seconds, got '$FUZZ_SECONDS'" >&2; exit 2 ;;
esac

mvn_quiet() {
  local out
  out=$(mvn -B -q -f java/pom.xml "$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

# Compile the tests when they are missing or older than a source file.
if [ ! -d "$test_classes" ] || [ -n "$(find java/src -newer "$test_classes" -type f -print -quit 2>/dev/null)" ]; then
  echo "run-fuzz: compiling tests"
  mvn_quiet test-compile || { echo "run-fuzz: test-compile failed" >&2; exit 2; }
  touch "$test_classes"
fi
if [ ! -s "$cp_file" ]; then
  mvn_quiet dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt \
    || { echo "run-fuzz: cannot write $cp_file" >&2; exit 2; }
fi
classpath="$root/$test_classes:$root/java/target/classes:$(cat "$cp_file")"

mapfile -t classes < <(cd "$test_classes" && find . -name '*FuzzTest.class' ! -name '*$*' \
  | sed -e 's|^\./||' -e 's|\.class$||' -e 's|/|.|g' | grep -E -- "${FUZZ_FILTER:-.}" | sort)
if [ ${#classes[@]} -eq 0 ]; then
  echo "run-fuzz: no *FuzzTest classes under $test_classes" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
failed_names=()
for cls in "${classes[@]}"; do
  name=${cls##*.}
  dir="fuzz-findings/$name"
  mkdir -p "$dir"
  log="$dir/run.log"
  marker="$dir/.started"
  touch "$marker"
  started=$(date +%s)
  (
    cd "$dir" && JAZZER_FUZZ=1 timeout $((FUZZ_SECONDS + 180)) java -Xmx"$FUZZ_HEAP" \
      -Djazzer.max_duration="${FUZZ_SECONDS}s" -Djunit.jupiter.execution.timeout.mode=disabled \
      -cp "$classpath" org.junit.platform.console.ConsoleLauncher execute \
      --disable-banner --disable-ansi-colors --details=summary --fail-if-no-tests --select-class "$cls"
  ) >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - started ))

  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  seeds=$(sed -n 's/^INFO: seed corpus: files: \([0-9]*\).*/\1/p' "$log" | tail -1)
  corpus=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p' | tail -1)
  crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
    -newer "$marker" 2>/dev/null | wc -l)
  if grep -qE 'FuzzTestFindingException|== Java Exception|SUMMARY: libFuzzer' "$log"; then
    crashes=$((crashes + 1))
  fi

  detail="executions=${runs:-?} seed_files=${seeds:-?} corpus=${corpus:-?} time=${elapsed}s"
  if [ $rc -eq 0 ] && [ "$crashes" -eq 0 ] && [ -n "$runs" ]; then
    passed=$((passed + 1))
    echo "PASS $name $detail"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "FAIL $name $detail rc=$rc (log: $log)"
    grep -E '=> |Caused by:|== Java Exception' "$log" | head -10 | sed 's/^/    /'
    find "$dir" -maxdepth 1 -type f -name 'crash-*' -newer "$marker" -printf '    finding: %p\n' 2>/dev/null
    if [ -z "$runs" ]; then
      tail -20 "$log" | sed 's/^/    /'
    fi
  fi
done

if [ $failed -gt 0 ]; then
  echo "run-fuzz: failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
