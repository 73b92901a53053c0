#!/usr/bin/env bash
# Socket benchmarks: native vs Debian's gVisor (`runsc --network=none --platform=ptrace do`) vs ours
# (`OUR_RUNSC do`), in one run. bench/sock_pingpong.c does the work and prints one number per mode.
#
#   bench/sockets.sh [OUR_RUNSC]       (default /work/main/out/runsc)
#
# Environment: MODES="unix-pingpong unix-stream" (add tcp-pingpong tcp-stream tcp-connect once the
#   sandbox has TCP loopback; natively they work now — gVisor runs with --network=none, whose loopback
#   still serves them), RUNS=3 (median), SECONDS_PP=3 (ping-pong/connect time per run), MB=512 (stream size),
#   GVISOR=/usr/bin/runsc, TIMEOUT=300.
# Prints a markdown table and writes it to bench/sockets-results.md. Not part of the tests.
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$BENCH_DIR/build"
OUR_RUNSC=${1:-${OUR_RUNSC:-/work/main/out/runsc}}
GVISOR=${GVISOR:-/usr/bin/runsc}
MODES=${MODES:-unix-pingpong unix-stream}
RUNS=${RUNS:-3}
SECONDS_PP=${SECONDS_PP:-3}
MB=${MB:-512}
TIMEOUT=${TIMEOUT:-300}
OUT="$BENCH_DIR/sockets-results.md"

log() { echo "[sockets] $*" >&2; }

mkdir -p "$BUILD"
BIN="$BUILD/sock_pingpong"
[[ $BIN -nt $BENCH_DIR/sock_pingpong.c ]] || gcc -O2 -static -o "$BIN" "$BENCH_DIR/sock_pingpong.c" || { log "build failed"; exit 1; }

label() {
    case $1 in
        unix-pingpong) echo "Unix stream ping-pong, 1 byte each way between two processes (round trips/s)" ;;
        unix-stream) echo "Unix stream throughput, $MB MB in 64 KiB writes (MB/s)" ;;
        tcp-pingpong) echo "TCP loopback ping-pong, TCP_NODELAY (round trips/s)" ;;
        tcp-stream) echo "TCP loopback throughput, $MB MB in 64 KiB writes (MB/s)" ;;
        tcp-connect) echo "TCP loopback connect + accept + close (per s)" ;;
    esac
}

arg_for() { case $1 in *-stream) echo "$MB" ;; *) echo "$SECONDS_PP" ;; esac; }

# run_in ENV MODE: one number, or nothing on failure.
run_in() {
    local env=$1 mode=$2 arg
    arg=$(arg_for "$mode")
    case $env in
        native) timeout "$TIMEOUT" "$BIN" "$mode" "$arg" ;;
        # gVisor's do wants a terminal-less stdout it can splice: pipe through cat, as bench/run.sh does.
        gvisor) timeout "$TIMEOUT" "$GVISOR" --network=none --platform=ptrace do "$BIN" "$mode" "$arg" </dev/null 2>/dev/null | cat ;;
        ours) timeout "$TIMEOUT" "$OUR_RUNSC" do "$BIN" "$mode" "$arg" </dev/null 2>/dev/null ;;
    esac | tail -n 1 | grep -E '^[0-9]+$'
}

median() { sort -n | awk '{a[NR] = $1} END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }

declare -A result
for mode in $MODES; do
    for env in native gvisor ours; do
        if [[ $env == gvisor && ! -x $GVISOR ]]; then result[$mode,$env]=n/a; continue; fi
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            v=$(run_in "$env" "$mode") && vals+=("$v")
        done
        result[$mode,$env]=$(printf '%s\n' "${vals[@]}" | grep . | median)
        log "$mode $env: ${vals[*]:-failed} -> ${result[$mode,$env]}"
    done
done

{
    echo "# Sockets ($(date -u +%Y-%m-%d), $(nproc) cores, median of $RUNS)"
    echo
    echo "Higher is better in every row; the ratio columns are ours' slowdown (the other's figure over ours)."
    echo
    echo "| benchmark | native | gVisor (ptrace) | ours | native/ours | gVisor/ours |"
    echo "|---|---|---|---|---|---|"
    for mode in $MODES; do
        n=${result[$mode,native]} g=${result[$mode,gvisor]} o=${result[$mode,ours]}
        echo "| $(label "$mode") | $n | $g | $o | $(ratio "$n" "$o") | $(ratio "$g" "$o") |"
    done
    echo
    echo "bench/sock_pingpong.c: ping-pong is two processes over one socketpair, 1 byte each way, for"
    echo "${SECONDS_PP} s; throughput is a child writing $MB MB in 64 KiB writes to its parent, timed to the last read."
    echo "Ours: \`$OUR_RUNSC do\`; gVisor: \`$GVISOR --network=none --platform=ptrace do\` (stdout through cat)."
} | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
