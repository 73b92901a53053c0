#!/usr/bin/env bash
# Runs every test: builds out/runsc, the xunit suite (unit, property and end-to-end) and
# the differential syscall suite (each C case natively and in the sandbox) on each platform
# (PLATFORMS, default "systrap ptrace"), and a
# FUZZ_SECONDS (default 120) run of the syscall fuzzer, counted as one test (its seed is
# random unless FUZZ_SEED is set; a failure prints the seed to replay).
# Ends with one line "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")"

./build.sh || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
# The xunit suite and the syscall cases run on each platform: systrap (the default) and ptrace. RUNSC_PLATFORM sets
# runsc's default, so every engine the tests start (Docker, Podman, containerd) uses that platform too.
unit_passed=0 unit_failed=0 sys_passed=0 sys_failed=0 sys_skipped=0
for platform in ${PLATFORMS:-systrap ptrace}; do
    echo "=== platform $platform"
    RUNSC_PLATFORM=$platform dotnet test tests/Tests.csproj -c Release -nologo 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=$(grep -oE 'Passed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE 'Failed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
    unit_passed=$((unit_passed + ${p:-0})) unit_failed=$((unit_failed + ${f:-0}))

    PLATFORM=$platform syscall-tests/run.sh out/runsc 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(tail -1 "$log")
    p=$(echo "$line" | grep -oE '^[0-9]+')
    f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
    k=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
    if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
    sys_passed=$((sys_passed + ${p:-0})) sys_failed=$((sys_failed + ${f:-0})) sys_skipped=$((sys_skipped + ${k:-0}))
done

fuzz_passed=0 fuzz_failed=0
if fuzz/run.sh "${FUZZ_SECONDS:-120}" ${FUZZ_SEED:-}; then fuzz_passed=1; else fuzz_failed=1; fi
rm -f "$log"

passed=$(( ${unit_passed:-0} + ${sys_passed:-0} + fuzz_passed ))
failed=$(( ${unit_failed:-0} + ${sys_failed:-0} + fuzz_failed ))
echo "xunit: ${unit_passed:-0} passed, ${unit_failed:-0} failed; syscall-tests: ${sys_passed:-0} passed, ${sys_failed:-0} failed, ${sys_skipped:-0} skipped (pending later issues); fuzz: ${fuzz_passed} passed, ${fuzz_failed} failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
