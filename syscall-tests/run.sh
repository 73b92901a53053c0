#!/usr/bin/env bash
# Differential syscall tests: every cases/*.c is compiled, run natively and
# under `RUNSC do`, and the stdout plus exit status of both runs must match.
#
# Usage:
#   syscall-tests/run.sh [RUNSC] [FILTER...]
#
#   RUNSC   the runsc binary (default /work/main/out/runsc, or $RUNSC).
#           The special value "native" runs each case natively twice and
#           compares the runs (checks that the cases are deterministic).
#   FILTER  optional substrings; only cases whose name contains at least one
#           of them run (e.g. `run.sh out/runsc getdents mmap`).  The same
#           can be given as a space-separated list in $FILTER.
#
# Environment:
#   TIMEOUT  per-run timeout in seconds (default 20)
#   PLATFORM the sandbox's platform (`runsc --platform=PLATFORM do`; default: runsc's default)
#   CFLAGS   extra compiler flags
#   VERBOSE  if 1, also print the sandbox's stderr on failure (default: the
#            first 20 lines are printed)
#
# Cases whose file name ends in _static.c are linked with -static.
# Build products and per-case outputs go to syscall-tests/build/
# (build/results/NAME.{native,sandbox}.{out,err}).
#
# Cases run from cwd / with stdin from /dev/null, as `RUNSC do /abs/path/bin`
# (no --rootfs/--cwd).  A few cases (file_io, lseek, iov, umask) create and
# remove a scratch file under /tmp, so they need a writable root (the
# overlay's in-memory upper layer in the sandbox).
#
# Writing a case: include "common.h"; print only what is identical natively
# and in the sandbox (no pids, addresses, times, inode numbers, host kernel
# release); use CHECK(call) for deterministic results, CHECK_OK for fds and
# other varying non-negative results, CHECK_PTR for mmap-like calls and
# SHOW(cond) for comparisons.  Cases are built with -pthread and may fork, start threads
# and take signals; they must print the same output whatever the scheduling.
#
# A sandboxed run fails when the Sentry's debug log (build/results/NAME.sandbox.log) has an
# error line, even if stdout matches.
#
# Output: one `PASS name` / `FAIL name` line per case (a unified diff of
# stdout+exit status follows a FAIL), then exactly one closing line
# `N passed, N failed, N skipped` (skipped = listed in pending.txt).  The exit status is non-zero if any case failed.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runsc=${1:-${RUNSC:-/work/main/out/runsc}}
[ $# -gt 0 ] && shift
filters=("$@")
if [ ${#filters[@]} -eq 0 ] && [ -n "${FILTER:-}" ]; then
    read -r -a filters <<<"$FILTER"
fi
timeout_s=${TIMEOUT:-20}

if [ "$runsc" != native ]; then
    case "$runsc" in
        /*) ;;
        *) runsc="$(pwd)/$runsc" ;;
    esac
    if [ ! -x "$runsc" ]; then
        echo "warning: $runsc is not an executable; every case will fail" >&2
    fi
fi

build="$here/build"
results="$build/results"
mkdir -p "$build" "$results"

selected() {
    local name=$1 f
    [ ${#filters[@]} -eq 0 ] && return 0
    for f in "${filters[@]}"; do
        [[ "$name" == *"$f"* ]] && return 0
    done
    return 1
}

# run_one KIND BIN OUTPREFIX: runs BIN natively or in the sandbox from /,
# stdin from /dev/null; appends the exit status to the stdout file.  A sandboxed
# run writes the Sentry's debug log to OUTPREFIX.log; each error line in it (an
# exception inside a syscall handler: "syscall NAME failed internally") is
# appended to the stdout file too, so the case fails even when its output matches.
run_one() {
    local kind=$1 bin=$2 prefix=$3 rc
    if [ "$kind" = native ]; then
        (cd / && timeout -k 5 "$timeout_s" "$bin" </dev/null >"$prefix.out" 2>"$prefix.err")
    else
        rm -f "$prefix.log"
        (cd / && timeout -k 5 "$timeout_s" "$runsc" ${PLATFORM:+--platform="$PLATFORM"} do --debug-log "$prefix.log" "$bin" </dev/null >"$prefix.out" 2>"$prefix.err")
    fi
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "exit status: $rc (timeout ${timeout_s}s?)" >>"$prefix.out"
    else
        echo "exit status: $rc" >>"$prefix.out"
    fi
    if [ "$kind" != native ] && [ -f "$prefix.log" ]; then
        grep -E '^[^ ]+ error ' "$prefix.log" | cut -d' ' -f2- | sed 's/^/sentry internal /' >>"$prefix.out"
    fi
}

# Cases that wait on a later issue: "name  reason" per line. A pending case that
# fails is reported as SKIP (not hidden: its diff is still printed); once it
# passes it counts as a pass and should leave the list.
pending_reason() {
    [ -f "$here/pending.txt" ] || return 1
    awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; found = 1 } END { exit !found }' "$here/pending.txt"
}

passed=0
failed=0
skipped=0
shopt -s nullglob
for src in "$here"/cases/*.c; do
    name=$(basename "$src" .c)
    selected "$name" || continue
    bin="$build/$name"
    flags=(-O1 -Wall -g -pthread -o "$bin")
    [[ "$name" == *_static ]] && flags+=(-static)
    # shellcheck disable=SC2086
    if ! gcc "${flags[@]}" ${CFLAGS:-} "$src" 2>"$results/$name.cc.err"; then
        echo "FAIL $name"
        echo "  (compile error)"
        sed 's/^/  /' "$results/$name.cc.err"
        failed=$((failed + 1))
        continue
    fi
    nat="$results/$name.native"
    sbx="$results/$name.sandbox"
    run_one native "$bin" "$nat"
    if [ "$runsc" = native ]; then
        run_one native "$bin" "$sbx"
    else
        run_one sandbox "$bin" "$sbx"
    fi
    if cmp -s "$nat.out" "$sbx.out"; then
        echo "PASS $name"
        passed=$((passed + 1))
    elif reason=$(pending_reason "$name"); then
        echo "SKIP $name (pending: $reason)"
        diff -u --label "$name (native)" --label "$name (sandbox)" "$nat.out" "$sbx.out" | head -n 20 | sed 's/^/  /'
        skipped=$((skipped + 1))
    else
        echo "FAIL $name"
        diff -u --label "$name (native)" --label "$name (sandbox)" "$nat.out" "$sbx.out" | head -n 200
        if [ -s "$sbx.err" ]; then
            echo "  --- sandbox stderr ---"
            if [ "${VERBOSE:-0}" = 1 ]; then
                sed 's/^/  /' "$sbx.err"
            else
                head -n 20 "$sbx.err" | sed 's/^/  /'
            fi
        fi
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
