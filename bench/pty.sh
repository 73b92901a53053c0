#!/usr/bin/env bash
# Pseudo-terminal benchmarks: native vs Debian's gVisor (`runsc --network=none --platform=ptrace do`)
# vs ours (`OUR_RUNSC do`), in one run. bench/pty_bench.c does the work and prints one number per mode.
#
#   bench/pty.sh [OUR_RUNSC]       (default $RUNSC, else /work/main/out/runsc)
#
# Modes: raw-throughput  (a child writes MB MB through the slave in raw mode, the parent reads the master; MB/s)
#        cooked-throughput (the same with the default termios: OPOST|ONLCR, a newline every 80 bytes; MB/s)
#        echo           (canonical + ECHO: write one byte to the master, read its echo from the master; median µs)
# Environment: MODES="raw-throughput cooked-throughput echo", RUNS=3 (median of the runs), MB=10,
#   ROUNDS=5000 (echo round trips per run), GVISOR=/usr/bin/runsc, TIMEOUT=120.
# A run that fails (ours before it has /dev/ptmx) shows as n/a.
# Prints a markdown table and writes it to bench/pty-results.md. Not part of the tests.
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$BENCH_DIR/build"
OUR_RUNSC=${1:-${RUNSC:-${OUR_RUNSC:-/work/main/out/runsc}}}
GVISOR=${GVISOR:-/usr/bin/runsc}
MODES=${MODES:-raw-throughput cooked-throughput echo}
RUNS=${RUNS:-3}
MB=${MB:-10}
ROUNDS=${ROUNDS:-5000}
TIMEOUT=${TIMEOUT:-120}
OUT="$BENCH_DIR/pty-results.md"

log() { echo "[pty] $*" >&2; }

mkdir -p "$BUILD"
BIN="$BUILD/pty_bench"
[[ $BIN -nt $BENCH_DIR/pty_bench.c ]] || gcc -O2 -static -o "$BIN" "$BENCH_DIR/pty_bench.c" || { log "build failed"; exit 1; }

label() {
    case $1 in
        raw-throughput) echo "pty throughput, raw: $MB MB written to the slave, read from the master (MB/s, higher is better)" ;;
        cooked-throughput) echo "pty throughput, cooked (OPOST+ONLCR, a newline every 80 bytes): $MB MB (MB/s, higher is better)" ;;
        echo) echo "keystroke echo: 1 byte to the master, its echo read back, canonical+ECHO (median µs, lower is better)" ;;
    esac
}

args_for() {
    case $1 in
        raw-throughput) echo "throughput $MB raw" ;;
        cooked-throughput) echo "throughput $MB cooked" ;;
        echo) echo "echo $ROUNDS" ;;
    esac
}

# run_in ENV MODE: one number, or nothing on failure.
run_in() {
    local env=$1 mode=$2 args
    read -r -a args <<<"$(args_for "$mode")"
    case $env in
        native) timeout "$TIMEOUT" "$BIN" "${args[@]}" </dev/null 2>/dev/null ;;
        # gVisor's do wants a terminal-less stdout it can splice: pipe through cat, as bench/run.sh does.
        gvisor) timeout "$TIMEOUT" "$GVISOR" --network=none --platform=ptrace do "$BIN" "${args[@]}" </dev/null 2>/dev/null | cat ;;
        ours) timeout "$TIMEOUT" "$OUR_RUNSC" do "$BIN" "${args[@]}" </dev/null 2>/dev/null ;;
    esac | tail -n 1 | grep -E '^[0-9]+(\.[0-9]+)?$'
}

median() { sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }

# slowdown MODE OTHER OURS: how many times ours is slower than the other (n/a if either is missing)
slowdown() {
    awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN {
        if (!(a + 0 > 0 && b + 0 > 0)) { print "n/a"; exit }
        if (m == "echo") printf "%.2fx", b / a; else printf "%.2fx", a / b }'
}

declare -A result
for mode in $MODES; do
    for env in native gvisor ours; do
        if [[ $env == gvisor && ! -x $GVISOR ]] || [[ $env == ours && ! -x $OUR_RUNSC ]]; then
            result[$mode,$env]=n/a
            continue
        fi
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            v=$(run_in "$env" "$mode") && vals+=("$v")
        done
        result[$mode,$env]=$(printf '%s\n' "${vals[@]}" | grep . | median)
        log "$mode $env: ${vals[*]:-failed} -> ${result[$mode,$env]}"
    done
done

{
    echo "# Pseudo-terminals ($(date -u +%Y-%m-%d), $(nproc) cores, median of $RUNS)"
    echo
    echo "The ratio columns are ours' slowdown against the other (n/a: a run failed, e.g. no /dev/ptmx yet)."
    echo
    echo "| benchmark | native | gVisor (ptrace) | ours | ours vs native | ours vs gVisor |"
    echo "|---|---|---|---|---|---|"
    for mode in $MODES; do
        n=${result[$mode,native]} g=${result[$mode,gvisor]} o=${result[$mode,ours]}
        echo "| $(label "$mode") | $n | $g | $o | $(slowdown "$mode" "$n" "$o") | $(slowdown "$mode" "$g" "$o") |"
    done
    echo
    echo "bench/pty_bench.c: throughput is a child writing $MB MB in 64 KiB writes to the slave of a fresh"
    echo "pty pair while its parent reads the master, timed from the fork to the last read (payload MB/s);"
    echo "echo is $ROUNDS single-byte writes to the master, each followed by a blocking read of its echo from"
    echo "the master (a newline every 64 bytes, untimed, keeps the line short)."
    echo "Ours: \`$OUR_RUNSC do\`; gVisor: \`$GVISOR --network=none --platform=ptrace do\` (stdout through cat)."
} | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
