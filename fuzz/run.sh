#!/usr/bin/env bash
# Runs the syscall fuzzer (fuzz/sysfuzz.c) as the init of a sandbox and checks the kernel survived it.
#
# Usage: fuzz/run.sh SECONDS [SEED]      (RUNSC: the runsc binary, default out/runsc;
#                                         FUZZ_ARGS: extra sysfuzz flags, e.g. "--threads 8")
#
# Fails (exit 1) when any of these holds:
#   - runsc's exit status is not the fuzzer's normal 0 (a crash of runsc, a guest-visible hang the
#     fuzzer detected: a child still there 10 s after SIGKILL, exit 3), or the run outlived
#     SECONDS+90 s (a hang of the whole sandbox);
#   - the Sentry's debug log has an error line (an exception inside a syscall handler is logged as
#     "error sentry: syscall NAME failed internally", a dead sandbox as "sandbox failed"), or runsc
#     printed an unhandled .NET exception;
#   - a host process of the sandbox (stub, gofer) is alive 5 s after runsc exited (fuzz/subreaper.py).
# Replaying: the seed is printed; `gcc -pthread -o F fuzz/sysfuzz.c; runsc do F --seed S --batch B --log` replays
# one batch and prints each call before making it. Output files (out.txt, err.txt, debug.log,
# leaked.txt, stacks.txt) go to $FUZZ_OUT (default fuzz/build/run), so runs with different FUZZ_OUT can overlap.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runsc=${RUNSC:-$root/out/runsc}
seconds=${1:?usage: fuzz/run.sh SECONDS [SEED]}
seed=${2:-}
build=$here/build
mkdir -p "$build"
bin=$build/sysfuzz.$$
gcc -O1 -Wall -g -pthread -o "$bin" "$here/sysfuzz.c" || { echo "FAIL sysfuzz (compile error)"; exit 1; }
trap 'rm -f "$bin"' EXIT

dir=${FUZZ_OUT:-$build/run}
mkdir -p "$dir"
log=$dir/debug.log out=$dir/out.txt err=$dir/err.txt leaked=$dir/leaked.txt
rm -f "$log" "$leaked" "$dir/stacks.txt"
args=(--seconds "$seconds")
[ -n "$seed" ] && args+=(--seed "$seed")
# shellcheck disable=SC2206
args+=(${FUZZ_ARGS:-})
# On a hang the fuzzer holds 5 s, and the watcher has runsc log every task's state (SIGUSR2) meanwhile, so the
# debug log says where the child that outlived its SIGKILL was stuck.
args+=(--hold-on-hang 5)
start=$(date +%s)
(cd / && python3 "$here/subreaper.py" "$leaked" timeout -k 5 $((seconds + 90)) \
    "$runsc" do --debug-log "$log" "$bin" "${args[@]}" </dev/null >"$out" 2>"$err") &
runner=$!
# A run still going 60 s after its end is a hang of the whole sandbox (the fuzzer cannot report it): log the tasks'
# states too, and with gdb at hand every Sentry thread's stack (stacks.txt; names need runsc.dbg beside runsc; the
# sysroot is the host's, since /proc/PID/root of the jailed Sentry holds no libc).
dumped=
while kill -0 "$runner" 2>/dev/null; do
    if [ -z "$dumped" ] && { grep -q "HANG:" "$out" 2>/dev/null || [ $(( $(date +%s) - start )) -gt $((seconds + 60)) ]; }; then
        dumped=1
        pid=$(pgrep -f -x "$runsc do --debug-log $log .*" | head -1)
        [ -n "$pid" ] && kill -USR2 "$pid" 2>/dev/null
        if [ -n "$pid" ] && command -v gdb >/dev/null; then
            timeout 60 gdb "$runsc" -batch -ex "set sysroot /" -ex "attach $pid" -ex "thread apply all bt 30" >"$dir/stacks.txt" 2>&1
        fi
    fi
    sleep 0.5
done
wait "$runner"
rc=$?
elapsed=$(( $(date +%s) - start ))

problems=()
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && problems+=("hang: the run was killed after $((seconds + 90)) s")
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] && problems+=("runsc exited $rc (the fuzzer ends 0; 3 = a child it could not kill)")
grep -q "^sysfuzz: seed .*, ok$" "$out" || problems+=("no successful summary line from the fuzzer")
errors=$(grep -cE '^[^ ]+ error ' "$log" 2>/dev/null)
[ "${errors:-0}" -gt 0 ] && problems+=("$errors error lines in the Sentry's debug log")
grep -q "Unhandled exception" "$err" && problems+=("runsc printed an unhandled exception")
[ -s "$leaked" ] && problems+=("host processes left after runsc exited: $(wc -l <"$leaked")")

cat "$out"
echo "fuzz: ${elapsed}s, runsc exit $rc"
if [ ${#problems[@]} -eq 0 ]; then
    echo "PASS sysfuzz"
    exit 0
fi
echo "FAIL sysfuzz"
for p in "${problems[@]}"; do echo "  $p"; done
grep -E '^[^ ]+ error ' -A8 "$log" 2>/dev/null | head -60 | sed 's/^/  /'
if [ -s "$dir/stacks.txt" ]; then
    # Where a hang of the whole sandbox stands: the tasks' states, and the Sentry's threads inside its own code.
    grep -A60 "task dump" "$log" 2>/dev/null | head -60 | sed 's/^/  tasks: /'
    grep -E "^Thread |AppKernel_" "$dir/stacks.txt" | grep -v "_StartupCodeMain\|RhSpinWait" | head -150 | sed 's/^/  stack: /'
fi
[ -s "$leaked" ] && sed 's/^/  leaked: /' "$leaked"
head -20 "$err" | sed 's/^/  stderr: /'
exit 1
