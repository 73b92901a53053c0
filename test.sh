#!/usr/bin/env bash
# Runs every test: builds out/runsc, the xunit suite (unit, property and end-to-end),
# the differential syscall suite (each C case natively and in the sandbox), and a
# FUZZ_SECONDS (default 120) run of the syscall fuzzer, counted as one test (its seed is
# random unless FUZZ_SEED is set; a failure prints the seed to replay).
# Ends with one line "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")"

./build.sh || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
dotnet test tests/Tests.csproj -c Release -nologo 2>&1 | tee "$log"
unit_rc=${PIPESTATUS[0]}
unit_passed=$(grep -oE 'Passed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
unit_failed=$(grep -oE 'Failed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
if [ "$unit_rc" -ne 0 ] && [ "${unit_failed:-0}" -eq 0 ]; then unit_failed=1; fi

syscall-tests/run.sh out/runsc 2>&1 | tee "$log"
sys_rc=${PIPESTATUS[0]}
line=$(tail -1 "$log")
sys_passed=$(echo "$line" | grep -oE '^[0-9]+')
sys_failed=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
sys_skipped=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
if [ "$sys_rc" -ne 0 ] && [ "${sys_failed:-0}" -eq 0 ]; then sys_failed=1; fi

fuzz_passed=0 fuzz_failed=0
if fuzz/run.sh "${FUZZ_SECONDS:-120}" ${FUZZ_SEED:-}; then fuzz_passed=1; else fuzz_failed=1; fi
rm -f "$log"

passed=$(( ${unit_passed:-0} + ${sys_passed:-0} + fuzz_passed ))
failed=$(( ${unit_failed:-0} + ${sys_failed:-0} + fuzz_failed ))
echo "xunit: ${unit_passed:-0} passed, ${unit_failed:-0} failed; syscall-tests: ${sys_passed:-0} passed, ${sys_failed:-0} failed, ${sys_skipped:-0} skipped (pending later issues); fuzz: ${fuzz_passed} passed, ${fuzz_failed} failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
