#!/usr/bin/env bash
# AppKernel benchmarks: native vs ours (`OUR_RUNSC do`) vs Debian's gVisor, in one run.
#
#   bench/run.sh [OUR_RUNSC]        (default /work/main/out/runsc)
#
# Prints a markdown table and writes it (plus raw numbers) to bench/results.md.
# Tunables (environment): RUNS=3 (repeats of in-guest benchmarks, median reported),
#   START_RUNS=10 (start-up runs), N_NATIVE=200000, N_SANDBOX=20000 (getpid calls),
#   TIMEOUT=300 (seconds per command), GVISOR=/usr/bin/runsc, BENCHES="syscall startup"
#   (subset), NO_HYPERFINE=1 (time start-up with a bash $EPOCHREALTIME loop).
#
# Adding a benchmark:
#   1. (optional) drop a C program in bench/*.c; it is compiled to bench/build/NAME.
#   2. write a function bench_NAME that, for each env in $ENVS (skip with `env_ok`),
#      calls `record NAME ENV VALUE` (VALUE a number, or empty/"n/a" on failure);
#      use `run_in ENV CMD...` to run a command natively / in our sandbox / in gVisor.
#   3. add `NAME|label (unit)` to the BENCH_LIST below.
# Every benchmark is "lower is better"; ratios are ours/native and ours/gVisor.
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$BENCH_DIR/build"
OUR_RUNSC=${1:-${OUR_RUNSC:-/work/main/out/runsc}}
GVISOR=${GVISOR:-/usr/bin/runsc}
RUNS=${RUNS:-3}
START_RUNS=${START_RUNS:-10}
N_NATIVE=${N_NATIVE:-200000}
N_SANDBOX=${N_SANDBOX:-20000}
TIMEOUT=${TIMEOUT:-300}
ENVS=(native ours gvisor)

# name|label shown in the table. Order = table order.
BENCH_LIST=(
    "syscall|syscall round trip, getpid (ns/call)"
    "startup|start-up, \`do /bin/true\` (ms)"
    "ptrace|getpid vs the raw ptrace floor: native column = a C SYSEMU tracer (ns/call)"
)
[[ -n "${BENCHES:-}" ]] && { sel=(); for b in "${BENCH_LIST[@]}"; do
    [[ " $BENCHES " == *" ${b%%|*} "* ]] && sel+=("$b"); done; BENCH_LIST=("${sel[@]}"); }

log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- environments
# Prefix (argv) that runs a command in the given environment.
env_prefix() {
    case $1 in
        native) PREFIX=() ;;
        ours)   PREFIX=("$OUR_RUNSC" do) ;;
        gvisor) PREFIX=("$GVISOR" --network=none --platform=ptrace do) ;;
    esac
}

# run_in ENV CMD... : run CMD in ENV, stdout piped through cat (gVisor overwrites a
# regular-file stdout), with a timeout. Returns CMD's exit status.
run_in() {
    local env=$1; shift
    env_prefix "$env"
    timeout -k 5 "$TIMEOUT" "${PREFIX[@]}" "$@" </dev/null | cat
}

declare -A ENV_OK ENV_WHY
check_env() {
    local env=$1 out
    if [[ $env != native ]]; then
        env_prefix "$env"
        if [[ ! -x ${PREFIX[0]} ]]; then ENV_OK[$env]=0; ENV_WHY[$env]="${PREFIX[0]} not found"; return; fi
    fi
    local rc
    out=$(run_in "$env" /bin/echo bench-ok 2>&1); rc=$?
    if [[ $rc -eq 0 && $out == *bench-ok* ]]; then ENV_OK[$env]=1
    else ENV_OK[$env]=0; ENV_WHY[$env]="\`do /bin/echo bench-ok\` failed (exit $rc): $(echo "$out" | tail -n 3 | tr '\n' ' ' | cut -c1-200)"; fi
}
env_ok() { [[ ${ENV_OK[$1]:-0} == 1 ]]; }

# ---------------------------------------------------------------- helpers
declare -A RESULT RAW
# record BENCH ENV VALUE [RAW_TEXT]
record() { RESULT[$1,$2]=${3:-n/a}; [[ -n ${4:-} ]] && RAW[$1,$2]=$4; return 0; }

# median of numbers given as arguments (empty output if none)
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{a[NR]=$1} END {
    if (NR==0) exit; if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }

build() {
    mkdir -p "$BUILD"
    local src bin
    for src in "$BENCH_DIR"/*.c; do
        [[ -e $src ]] || continue
        bin="$BUILD/$(basename "$src" .c)"
        [[ $bin -nt $src ]] && continue
        # static: no ld.so/libc mapping needed in the guest, so an early sandbox can run it
        gcc -O2 -static -o "$bin" "$src" 2>/dev/null || gcc -O2 -o "$bin" "$src" || {
            log "build of $src failed"; exit 1; }
    done
}

# ---------------------------------------------------------------- benchmarks
# 1. syscall round trip: RUNS runs of build/getpid N; each prints "..., X ns/call".
bench_syscall() {
    local env n i out v vals
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=$N_NATIVE || n=$N_SANDBOX
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            out=$(run_in "$env" "$BUILD/getpid" "$n" 2>/dev/null)
            v=$(sed -n 's/.* \([0-9.]*\) ns\/call.*/\1/p' <<<"$out" | tail -n1)
            vals+=("${v:-fail}")
        done
        record syscall "$env" "$(median "${vals[@]}")" "N=$n: ${vals[*]} ns/call"
    done
}

# 1b. the ptrace floor: a minimal C tracer (ptrace_floor.c) in the native column, so that
#     ours/native reads as "Sentry cost over the bare PTRACE_SYSEMU round trip".
bench_ptrace() {
    local env i out v vals
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            if [[ $env == native ]]; then out=$("$BUILD/ptrace_floor" "$N_SANDBOX" 2>/dev/null)
            else out=$(run_in "$env" "$BUILD/getpid" "$N_SANDBOX" 2>/dev/null); fi
            v=$(sed -n 's/.* \([0-9.]*\) ns\/call.*/\1/p' <<<"$out" | tail -n1)
            vals+=("${v:-fail}")
        done
        record ptrace "$env" "$(median "${vals[@]}")" "N=$N_SANDBOX: ${vals[*]} ns/call"
    done
}

# 2. start-up: wall time of `do /bin/true`, measured outside, median of START_RUNS.
bench_startup() {
    local env i t0 t1 ms vals json
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        env_prefix "$env"
        if [[ -z ${NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null && command -v jq >/dev/null; then
            json=$(mktemp)
            # -N: no intermediate shell; stdout goes to /dev/null (not a regular file)
            if timeout -k 5 "$TIMEOUT" hyperfine -N --warmup 1 --runs "$START_RUNS" --export-json "$json" \
                    --style none "${PREFIX[*]} /bin/true" >/dev/null 2>&1; then
                ms=$(jq '.results[0].median * 1000' "$json")
                record startup "$env" "$(printf '%.2f' "$ms")" \
                    "hyperfine: $(jq -r '.results[0].times | map(.*1000*100|round/100) | join(" ")' "$json") ms"
            else
                record startup "$env" n/a "hyperfine failed"
            fi
            rm -f "$json"
        else
            vals=()
            # warm-up under a timeout; then time with bash's $EPOCHREALTIME (no forks
            # besides the command itself)
            if run_in "$env" /bin/true >/dev/null 2>&1; then
                for ((i = 0; i < START_RUNS; i++)); do
                    t0=$EPOCHREALTIME
                    if "${PREFIX[@]}" /bin/true </dev/null >/dev/null 2>&1; then
                        t1=$EPOCHREALTIME; vals+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)*1000}')")
                    else vals+=(fail); fi
                done
            else vals+=(fail); fi
            record startup "$env" "$(median "${vals[@]}")" "bash loop: ${vals[*]} ms"
        fi
    done
}

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0)
    { r = a/b; printf (r >= 1000 ? "%.0fx" : "%.3gx"), r }  else print "n/a" }'; }
fmt() { awk -v a="$1" 'BEGIN{ if (a ~ /^[0-9.]+$/) printf (a >= 100 ? "%.0f" : "%.2f"), a; else print "n/a" }'; }

table() {
    local b name label n o g
    echo "| benchmark | native | ours | gVisor | ours/native | ours/gVisor |"
    echo "|---|---:|---:|---:|---:|---:|"
    for b in "${BENCH_LIST[@]}"; do
        name=${b%%|*}; label=${b#*|}
        n=${RESULT[$name,native]:-n/a}; o=${RESULT[$name,ours]:-n/a}; g=${RESULT[$name,gvisor]:-n/a}
        echo "| $label | $(fmt "$n") | $(fmt "$o") | $(fmt "$g") | $(ratio "$o" "$n") | $(ratio "$o" "$g") |"
    done
}

details() {
    local b name env
    echo "Host: $(uname -sr), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')."
    echo "gVisor: \`$GVISOR --network=none --platform=ptrace do\` ($("$GVISOR" --version 2>/dev/null | head -n1))."
    echo "Ours: \`$OUR_RUNSC do\`."
    for env in "${ENVS[@]}"; do env_ok "$env" || echo "**$env unavailable**: ${ENV_WHY[$env]:-?}"; done
    echo
    echo "Raw runs (syscall: median of $RUNS in-guest runs, clock_gettime inside the guest;"
    echo "start-up: median of $START_RUNS runs, wall time outside):"
    echo
    for b in "${BENCH_LIST[@]}"; do
        name=${b%%|*}
        for env in "${ENVS[@]}"; do
            [[ -n ${RAW[$name,$env]:-} ]] && echo "- $name / $env: ${RAW[$name,$env]}"
        done
    done
}

main() {
    command -v gcc >/dev/null || { log "gcc is required"; exit 1; }
    build
    local env b
    for env in "${ENVS[@]}"; do
        check_env "$env"
        env_ok "$env" && log "$env: ok" || log "$env: unavailable (${ENV_WHY[$env]}), reporting n/a"
    done
    for b in "${BENCH_LIST[@]}"; do
        log "running ${b%%|*}"
        "bench_${b%%|*}"
    done
    {
        echo "# AppKernel benchmarks"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`bench/run.sh $OUR_RUNSC\`"
        echo
        table
        echo
        details
    } > "$BENCH_DIR/results.md"
    echo
    table
    echo
    log "written to $BENCH_DIR/results.md"
}

main "$@"
