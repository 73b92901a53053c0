#!/usr/bin/env bash
# AppKernel benchmarks, in one run, in four environments:
#   native        the program run directly on the host
#   ours          `OUR_RUNSC --platform=systrap do` (seccomp traps into the stub)
#   ours_ptrace   `OUR_RUNSC --platform=ptrace do`
#   gvisor        Debian's gVisor, `GVISOR --network=none --platform=ptrace do` (output piped through cat)
#
#   bench/run.sh [OUR_RUNSC]        (default /work/main/out/runsc)
#
# Prints a markdown table (native | ours (systrap) | ours (ptrace) | gVisor (ptrace) | ours/native |
# ours/gVisor | ours/ours-ptrace) and writes it (plus raw numbers) to $RESULTS (bench/results.md).
# Tunables (environment): RUNS=3 (repeats of in-guest benchmarks and of idlecpu, median reported),
#   START_RUNS=10 (runs of the wall-clock start-up, python and gcc benches), N_NATIVE=200000,
#   N_SANDBOX=20000 (getpid calls), N_FS_NATIVE=100000, N_FS_SANDBOX=10000 (stat / open+close
#   calls), STAT_FILE=/etc/services, READ_MS=200 (minimum timed read loop), CLOCK_MS=200 (minimum
#   timed clock_gettime loop), PIPE_MIB=256 (MiB through the pipe per pipetp run), SPLICE_MIB=64 (MiB
#   spliced per splice64 run), N_INOTIFY=5000 (inotify round trips per inotifylat run), FIND_DIR=/usr,
#   FIND_RUNS=3 (timed find runs), IDLE_SECS=10 (length of idlecpu's `do sleep`; CPU is measured
#   from 1 s in to 1 s before the end), TIMEOUT=300 (seconds per command), GVISOR=/usr/bin/runsc,
#   BENCHES="syscall startup" (subset), BENCH_ENVS="native ours" (subset of the environments), NO_HYPERFINE=1 (time wall-clock benches with a bash
#   $EPOCHREALTIME loop), RESULTS=bench/results.md (where the report is written).
#
# Memory after walking a tree of a million entries (minutes; not part of this table): bench/tree_walk.sh.
#
# Adding a benchmark:
#   1. (optional) drop a C program in bench/*.c; it is compiled to bench/build/NAME.
#   2. write a function bench_NAME that, for each env in $ENVS (skip with `env_ok`),
#      calls `record NAME ENV VALUE` (VALUE a number, or empty/"n/a" on failure);
#      use `run_in ENV CMD...` to run a command natively / in our sandbox / in gVisor.
#   3. add `NAME|label (unit)` to the BENCH_LIST below; append `|higher` if a bigger
#      number is better (a throughput).
#   Wall-clock benches (a whole `do CMD` timed from outside) can use `wall_ms`.
# The ratio columns are slowdowns of ours (systrap): ours' cost over the other's (>1x = ours
# slower), i.e. ours/other for lower-is-better benches and other/ours for `higher` ones; so
# ours/ours-ptrace < 1x means systrap beats our ptrace platform.
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$BENCH_DIR/build"
OUR_RUNSC=${1:-${OUR_RUNSC:-/work/main/out/runsc}}
GVISOR=${GVISOR:-/usr/bin/runsc}
RUNS=${RUNS:-3}
START_RUNS=${START_RUNS:-10}
N_NATIVE=${N_NATIVE:-200000}
N_SANDBOX=${N_SANDBOX:-20000}
N_FS_NATIVE=${N_FS_NATIVE:-100000}
N_FS_SANDBOX=${N_FS_SANDBOX:-10000}
STAT_FILE=${STAT_FILE:-/etc/services}
READ_FILE="$BUILD/read-1M.dat"   # under the repo: visible to native, ours (host root) and gVisor
READ_MS=${READ_MS:-200}
[[ -e $STAT_FILE ]] || STAT_FILE=$READ_FILE   # (created by build)
FIND_DIR=${FIND_DIR:-/usr}
FIND_RUNS=${FIND_RUNS:-3}
CLOCK_MS=${CLOCK_MS:-200}
PIPE_MIB=${PIPE_MIB:-256}
SPLICE_MIB=${SPLICE_MIB:-64}
N_INOTIFY=${N_INOTIFY:-5000}
IDLE_SECS=${IDLE_SECS:-10}
HELLO_C="$BUILD/hello.c"         # gcc bench's source; under the repo like READ_FILE
TIMEOUT=${TIMEOUT:-300}
RESULTS=${RESULTS:-$BENCH_DIR/results.md}
read -ra ENVS <<<"${BENCH_ENVS:-native ours ours_ptrace gvisor}"

# name|label shown in the table[|higher]. Order = table order.
BENCH_LIST=(
    "syscall|syscall round trip, getpid (ns/call)"
    "libcsys|syscall round trip through glibc's wrapper, getppid (a site systrap patches) (ns/call)"
    "clock|clock_gettime(CLOCK_MONOTONIC) through libc (ns/call)"
    "startup|start-up, \`do /bin/true\` (ms)"
    "ptrace|getpid vs the raw ptrace floor: native column = a C SYSEMU tracer (ns/call)"
    "stat|stat() of \`$STAT_FILE\` (ns/call)"
    "open|open()+close() of \`$STAT_FILE\` (ns/call)"
    "read|read() a 1 MB file in 64 KiB chunks, lseek back, repeat (MB/s, higher is better)|higher"
    "find|\`do find $FIND_DIR -type f\`, stdout to /dev/null outside (ms)"
    "fork|fork + _exit + waitpid (ns/op)"
    "forkexec|fork + exec /bin/true + waitpid (ns/op)"
    "pipepp|pipe ping-pong between two processes, one round trip (ns/op)"
    "pipetp|pipe throughput, $PIPE_MIB MiB in 64 KiB writes to a child (MB/s, higher is better)|higher"
    "splice64|splice throughput, $SPLICE_MIB MiB /dev/zero -> pipe -> /dev/null, 64 KiB splices (MB/s, higher is better)|higher"
    "inotifylat|inotify round trip: a child writes a watched file, the watcher reads the event and answers through a pipe (us/op)"
    "thread|pthread_create + pthread_join (ns/op)"
    "futexpp|futex ping-pong between two threads, one round trip (ns/op)"
    "sempp|System V semop ping-pong between two processes, one round trip (us/op)"
    "futexring|32 threads pass a baton round a ring, each on its own futex (ns per hand-off)"
    "pollmany|poll() of 1,000 idle pipe fds + 1 a thread answers on, one round trip (ns/op)"
    "epollmany|epoll_wait over the same 1,001 fds, one round trip (ns/op)"
    "queue50|python3 queue.SimpleQueue, 25 producers x 400 items + 25 consumers (ms)"
    "python|start-up, \`do /usr/bin/python3 -c pass\` (ms)"
    "gcc|\`do /bin/sh -c 'gcc -o /tmp/hello_bench hello.c'\`, a hello world (ms)"
    "rss|idle sandbox memory: RSS of every process of \`do sleep\` (KiB; native = the sleep alone)"
    "idlecpu|idle sandbox CPU: utime+stime of every process of \`do sleep $IDLE_SECS\` over $((IDLE_SECS - 2)) s (ms; native = the sleep alone)"
)
[[ -n "${BENCHES:-}" ]] && { sel=(); for b in "${BENCH_LIST[@]}"; do
    [[ " $BENCHES " == *" ${b%%|*} "* ]] && sel+=("$b"); done; BENCH_LIST=("${sel[@]}"); }

log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- environments
# Prefix (argv) that runs a command in the given environment.
env_prefix() {
    case $1 in
        native) PREFIX=() ;;
        ours)   PREFIX=("$OUR_RUNSC" --platform=systrap do) ;;
        ours_ptrace) PREFIX=("$OUR_RUNSC" --platform=ptrace do) ;;
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
        gcc -O2 -pthread -static -o "$bin" "$src" 2>/dev/null || gcc -O2 -pthread -o "$bin" "$src" || {
            log "build of $src failed"; exit 1; }
    done
    # the read benchmark's 1 MiB file (not under /tmp: the sandboxes have their own /tmp)
    if [[ $(stat -c %s "$READ_FILE" 2>/dev/null) != 1048576 ]]; then
        head -c 1048576 /dev/urandom > "$READ_FILE.part" && mv "$READ_FILE.part" "$READ_FILE" || {
            log "cannot create $READ_FILE"; exit 1; }
    fi
    # the gcc benchmark's source (under the repo for the same reason)
    printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$HELLO_C.part" &&
        mv "$HELLO_C.part" "$HELLO_C" || { log "cannot create $HELLO_C"; exit 1; }
}

# ---------------------------------------------------------------- benchmarks
# 1. syscall round trip: RUNS runs of build/getpid N [libc]; each prints "..., X ns/call" (libcsys: getppid through glibc).
bench_syscall() { bench_getpid_mode syscall ""; }
bench_libcsys() { bench_getpid_mode libcsys libc; }
bench_getpid_mode() {
    local name=$1 mode=$2 env n i out v vals
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=$N_NATIVE || n=$N_SANDBOX
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            out=$(run_in "$env" "$BUILD/getpid" "$n" $mode 2>/dev/null)
            v=$(sed -n 's/.* \([0-9.]*\) ns\/call.*/\1/p' <<<"$out" | tail -n1)
            vals+=("${v:-fail}")
        done
        record "$name" "$env" "$(median "${vals[@]}")" "N=$n: ${vals[*]} ns/call"
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

# wall_ms BENCH ENV RUNS WARMUP CMD... : wall time of `PREFIX CMD` (stdout to /dev/null,
# stdin from /dev/null), measured outside; records the median in ms. hyperfine -N if
# available, else a bash $EPOCHREALTIME loop (no forks besides the command itself).
# Set WALL_IGNORE_FAIL=1 to accept a non-zero exit status.
wall_ms() {
    local bench=$1 env=$2 runs=$3 warmup=$4 json i t0 t1 vals ign=(); shift 4
    env_prefix "$env"
    local cmd=("${PREFIX[@]}" "$@")
    if [[ -z ${NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null && command -v jq >/dev/null; then
        json=$(mktemp)
        [[ -n ${WALL_IGNORE_FAIL:-} ]] && ign=(-i)
        # -N: no intermediate shell; stdout goes to /dev/null (not a regular file)
        # (hyperfine -N splits the command line shell-style: quote each word, e.g. for sh -c '...')
        if timeout -k 5 "$TIMEOUT" hyperfine -N "${ign[@]}" --warmup "$warmup" --runs "$runs" \
                --export-json "$json" --style none "$(printf '%q ' "${cmd[@]}")" >/dev/null 2>&1; then
            record "$bench" "$env" "$(jq '.results[0].median * 1000 * 100 | round / 100' "$json")" \
                "hyperfine: $(jq -r '.results[0].times | map(.*1000*100|round/100) | join(" ")' "$json") ms"
        else
            record "$bench" "$env" n/a "hyperfine failed"
        fi
        rm -f "$json"
    else
        vals=()
        # warm-up (at least one run) under a timeout, then the timed runs
        for ((i = 0; i < (warmup > 0 ? warmup : 1); i++)); do
            run_in "$env" "$@" >/dev/null 2>&1 || [[ -n ${WALL_IGNORE_FAIL:-} ]] || { vals+=(fail); break; }
        done
        if [[ ${#vals[@]} -eq 0 ]]; then
            for ((i = 0; i < runs; i++)); do
                t0=$EPOCHREALTIME
                if "${cmd[@]}" </dev/null >/dev/null 2>&1 || [[ -n ${WALL_IGNORE_FAIL:-} ]]; then
                    t1=$EPOCHREALTIME; vals+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)*1000}')")
                else vals+=(fail); fi
            done
        fi
        record "$bench" "$env" "$(median "${vals[@]}")" "bash loop: ${vals[*]} ms"
    fi
}

# 2. start-up: wall time of `do /bin/true`, measured outside, median of START_RUNS.
bench_startup() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        wall_ms startup "$env" "$START_RUNS" 1 /bin/true
    done
}

# python: wall time of `do /usr/bin/python3 -c pass`, median of START_RUNS.
bench_python() {
    local env
    [[ -x /usr/bin/python3 ]] || { log "/usr/bin/python3 not installed"; return; }
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        wall_ms python "$env" "$START_RUNS" 1 /usr/bin/python3 -c pass
    done
}

# gcc: wall time of `do /bin/sh -c 'gcc -o /tmp/hello_bench HELLO_C'` (compile + link a hello
# world; /tmp is the sandbox's own), median of START_RUNS.
bench_gcc() {
    local env gcc_bin
    gcc_bin=$(command -v gcc) || { log "gcc not installed"; return; }
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        wall_ms gcc "$env" "$START_RUNS" 1 /bin/sh -c "$gcc_bin -o /tmp/hello_bench $HELLO_C"
    done
}

# in_guest BENCH ENV REGEX CMD... : RUNS runs of CMD in ENV, each printing "... X UNIT";
# REGEX is a sed pattern whose group 1 is X. Records the median.
in_guest() {
    local bench=$1 env=$2 re=$3 i out v vals=(); shift 3
    for ((i = 0; i < RUNS; i++)); do
        out=$(run_in "$env" "$@" 2>/dev/null)
        v=$(sed -n "s/$re/\\1/p" <<<"$out" | tail -n1)
        vals+=("${v:-fail}")
    done
    record "$bench" "$env" "$(median "${vals[@]}")" "${vals[*]}"
}

# Idle memory: start `do /bin/sleep 3`, and after 1.5 s sum VmRSS over the started process and all its
# descendants (ours and ours_ptrace: runsc + gofer + stub; gVisor: runsc, its gofer and sandbox).
# tree_pids PID: PID and all its descendants, into TREE_PIDS.
tree_pids() {
    local p i=0 child
    TREE_PIDS=("$1")
    while (( i < ${#TREE_PIDS[@]} )); do
        p=${TREE_PIDS[i]}; i=$((i + 1))
        for child in $(cat /proc/"$p"/task/*/children 2>/dev/null); do TREE_PIDS+=("$child"); done
    done
}
tree_rss_kib() {
    local total=0 p
    tree_pids "$1"
    for p in "${TREE_PIDS[@]}"; do
        total=$((total + $(awk '/^VmRSS:/{print $2}' /proc/"$p"/status 2>/dev/null || echo 0)))
    done
    echo "$total"
}

bench_rss() {
    local env i vals v pid
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        env_prefix "$env"
        vals=()
        for ((i = 0; i < RUNS; i++)); do
            "${PREFIX[@]}" /bin/sleep 3 </dev/null >/dev/null 2>&1 &
            pid=$!
            sleep 1.5
            v=$(tree_rss_kib "$pid")
            wait "$pid" 2>/dev/null
            vals+=("$v")
        done
        record rss "$env" "$(median "${vals[@]}")" "${vals[*]} KiB"
    done
}

# Idle CPU: start `do /bin/sleep IDLE_SECS`; 1 s in and 1 s before the end, read utime+stime
# (/proc/PID/stat fields 14, 15; clock ticks, all threads) of the started process and all its
# descendants (found as for rss). Records the CPU ms used in between: per process, the
# difference (a process that appeared in between counts whole; one that vanished, not at all).
# Ticks are coarse (10 ms at CLK_TCK=100), so the raw numbers also give the on-CPU time summed
# over the processes' threads from /proc/PID/task/*/schedstat (ns; field 1), same method.
# tree_ticks PID: "pid ticks schedstat_ns" lines for PID and its descendants.
tree_ticks() {
    local p t
    tree_pids "$1"
    for p in "${TREE_PIDS[@]}"; do
        # strip "pid (comm) " first: comm may hold spaces; field 14 is then the 12th
        t=$(sed -n 's/^.*) //p' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}')
        [[ -n $t ]] || continue
        echo "$p $t $(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}')"
    done
}
bench_idlecpu() {
    local env i vals ns v s pid t1 t2 hz=$(getconf CLK_TCK) secs=$((IDLE_SECS > 3 ? IDLE_SECS : 3))
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        env_prefix "$env"
        vals=() ns=()
        for ((i = 0; i < RUNS; i++)); do
            timeout -k 5 "$TIMEOUT" "${PREFIX[@]}" /bin/sleep "$secs" </dev/null >/dev/null 2>&1 &
            pid=$!
            sleep 1
            # the sandbox's root process is timeout's child
            t1=$(tree_ticks "$pid")
            sleep $((secs - 2))
            t2=$(tree_ticks "$pid")
            if [[ -n $t1 && -n $t2 ]] && wait "$pid" 2>/dev/null; then
                read -r v s < <(awk -v hz="$hz" 'NR == FNR { a[$1] = $2; b[$1] = $3; next }
                    { d += $2 - a[$1]; e += $3 - b[$1] } END { printf "%.0f %.1f\n", d * 1000 / hz, e / 1e6 }' \
                    <(echo "$t1") <(echo "$t2"))
            else
                wait "$pid" 2>/dev/null; v=fail s=fail
            fi
            vals+=("$v"); ns+=("$s")
        done
        record idlecpu "$env" "$(median "${vals[@]}")" \
            "${vals[*]} ms of CPU over $((secs - 2)) s (ticks, CLK_TCK=$hz); schedstat: ${ns[*]} ms"
    done
}

# Processes (build/procs): fork+wait, fork+exec+wait, pipe ping-pong, timed in the guest.
bench_procs_mode() {
    local bench=$1 mode=$2 env n sandbox_n=${N_PROC_SANDBOX:-200}
    # Threads: 200 creations in a fresh sandbox measured mostly noise (ours 0.9-2.3 ms/op, gVisor's 0.7-0.8 in
    # repeated runs); 2000 give the steady state for both sandboxes (ours 0.40-0.45 ms, gVisor's 0.62-0.67).
    [[ $mode == thread ]] && sandbox_n=${N_THREAD_SANDBOX:-2000}
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=${N_PROC_NATIVE:-2000} || n=$sandbox_n
        in_guest "$bench" "$env" '.* \([0-9.]*\) ns\/op.*' "$BUILD/procs" "$mode" "$n"
        RAW[$bench,$env]="N=$n: ${RAW[$bench,$env]} ns/op"
    done
}
bench_fork() { bench_procs_mode fork fork; }
bench_forkexec() { bench_procs_mode forkexec forkexec; }
bench_pipepp() { bench_procs_mode pipepp pipe; }
bench_thread() { bench_procs_mode thread thread; }
bench_futexpp() { bench_procs_mode futexpp futex; }

# System V semaphores (build/sempingpong): semop ping-pong between two processes; N_SEM_NATIVE / N_SEM_SANDBOX.
bench_sempp() {
    local env n
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=${N_SEM_NATIVE:-20000} || n=${N_SEM_SANDBOX:-2000}
        in_guest sempp "$env" '.* \([0-9.]*\) us\/op.*' "$BUILD/sempingpong" "$n"
        RAW[sempp,$env]="N=$n: ${RAW[sempp,$env]} us/op"
    done
}

# Waits and wakes (build/waits): many futexes, poll/epoll over many idle fds; N_WAIT_NATIVE / N_WAIT_SANDBOX.
bench_waits_mode() {
    local mode=$1 env n
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=${N_WAIT_NATIVE:-20000} || n=${N_WAIT_SANDBOX:-2000}
        in_guest "$mode" "$env" '.* \([0-9.]*\) ns\/op.*' "$BUILD/waits" "$mode" "$n"
        RAW[$mode,$env]="N=$n: ${RAW[$mode,$env]} ns/op"
    done
}
bench_futexring() { bench_waits_mode futexring; }
bench_pollmany() { bench_waits_mode pollmany; }
bench_epollmany() { bench_waits_mode epollmany; }

# 50 Python threads on one queue, timed inside the guest (bench/queue50.py).
bench_queue50() {
    local env py
    py=$(command -v python3) || { log "python3 not installed"; return; }
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest queue50 "$env" '.* \([0-9.]*\) ms$' "$py" "$BENCH_DIR/queue50.py"
        RAW[queue50,$env]="${RAW[queue50,$env]} ms"
    done
}

# clock_gettime(CLOCK_MONOTONIC) through libc, >= CLOCK_MS ms of calls per run (build/clock).
bench_clock() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest clock "$env" '.* \([0-9.]*\) ns\/call.*' "$BUILD/clock" "$CLOCK_MS"
        RAW[clock,$env]="${CLOCK_MS} ms loops: ${RAW[clock,$env]} ns/call"
    done
}

# Pipe throughput: PIPE_MIB MiB from a parent to a child in 64 KiB writes (build/pipetp).
bench_pipetp() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest pipetp "$env" '.* \([0-9.]*\) MB\/s.*' "$BUILD/pipetp" "$PIPE_MIB"
        RAW[pipetp,$env]="$PIPE_MIB MiB: ${RAW[pipetp,$env]} MB/s"
    done
}

# splice through a pipe (build/splice64) and inotify event latency (build/inotify_lat), timed in the guest.
bench_splice64() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest splice64 "$env" '.* \([0-9.]*\) MB\/s.*' "$BUILD/splice64" "$SPLICE_MIB"
        RAW[splice64,$env]="$SPLICE_MIB MiB: ${RAW[splice64,$env]} MB/s"
    done
}
bench_inotifylat() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest inotifylat "$env" '.* \([0-9.]*\) us\/round trip.*' "$BUILD/inotify_lat" "$N_INOTIFY"
        RAW[inotifylat,$env]="N=$N_INOTIFY: ${RAW[inotifylat,$env]} us"
    done
}

# 3. stat / open+close of STAT_FILE, timed in the guest (build/fsops).
bench_stat_or_open() {
    local mode=$1 env n
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        [[ $env == native ]] && n=$N_FS_NATIVE || n=$N_FS_SANDBOX
        in_guest "$mode" "$env" '.* \([0-9.]*\) ns\/call.*' "$BUILD/fsops" "$mode" "$STAT_FILE" "$n"
        RAW[$mode,$env]="N=$n: ${RAW[$mode,$env]} ns/call"
    done
}
bench_stat() { bench_stat_or_open stat; }
bench_open() { bench_stat_or_open open; }

# 4. read throughput: build/fsops read READ_FILE, >= READ_MS ms of 64 KiB reads per run.
bench_read() {
    local env
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        in_guest read "$env" '.* \([0-9.]*\) MB\/s.*' "$BUILD/fsops" read "$READ_FILE" "$READ_MS"
        RAW[read,$env]="${READ_MS} ms loops: ${RAW[read,$env]} MB/s"
    done
}

# 5. find: wall time of `do find FIND_DIR -type f` (stdout to /dev/null outside; the
#    sandbox has no fork/pipe yet, so no `| wc -l` inside). One untimed run per env counts
#    the lines (and warms caches); a count differing from native's is warned about.
bench_find() {
    local env rc count native_count="" find_bin
    find_bin=$(command -v find) || { log "find not installed"; return; }
    for env in "${ENVS[@]}"; do
        env_ok "$env" || continue
        count=$(run_in "$env" "$find_bin" "$FIND_DIR" -type f 2>/dev/null | wc -l); rc=$?
        [[ $env == native ]] && native_count=$count
        if [[ $count -eq 0 && $rc -ne 0 ]]; then
            log "find: $env printed nothing (exit $rc)"; record find "$env" n/a "no output (exit $rc)"; continue
        fi
        WALL_IGNORE_FAIL=$([[ $rc -ne 0 ]] && echo 1) wall_ms find "$env" "$FIND_RUNS" 0 "$find_bin" "$FIND_DIR" -type f
        RAW[find,$env]="$count files, ${RAW[find,$env]}"
        [[ $rc -ne 0 ]] && { log "find: $env exited $rc"; RAW[find,$env]+=" (find exited $rc)"; }
        if [[ -n $native_count && $count != "$native_count" ]]; then
            log "WARNING: find: $env printed $count lines, native printed $native_count"
            RAW[find,$env]+=" **WARNING: native printed $native_count**"
        fi
    done
}

# ---------------------------------------------------------------- report
# ratio A B: A/B, formatted
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0)
    { r = a/b; printf (r >= 1000 ? "%.0fx" : "%.3gx"), r }  else print "n/a" }'; }
fmt() { awk -v a="$1" 'BEGIN{ if (a ~ /^[0-9.]+$/) printf (a >= 100 ? "%.0f" : "%.2f"), a; else print "n/a" }'; }

table() {
    local b name label dir n o p g
    echo "| benchmark | native | ours (systrap) | ours (ptrace) | gVisor (ptrace) | ours/native | ours/gVisor | ours/ours-ptrace |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for b in "${BENCH_LIST[@]}"; do
        IFS='|' read -r name label dir <<<"$b"
        n=${RESULT[$name,native]:-n/a}; o=${RESULT[$name,ours]:-n/a}
        p=${RESULT[$name,ours_ptrace]:-n/a}; g=${RESULT[$name,gvisor]:-n/a}
        echo -n "| $label | $(fmt "$n") | $(fmt "$o") | $(fmt "$p") | $(fmt "$g") | "
        if [[ $dir == higher ]]; then   # throughput: slowdown = other/ours
            echo "$(ratio "$n" "$o") | $(ratio "$g" "$o") | $(ratio "$p" "$o") |"
        else
            echo "$(ratio "$o" "$n") | $(ratio "$o" "$g") | $(ratio "$o" "$p") |"
        fi
    done
    echo
    echo "Ratios are slowdowns of ours (systrap) = ours' cost ÷ the other's (>1x: ours is slower):"
    echo "ours/other for times, other/ours for higher-is-better throughputs."
}

details() {
    local b name env
    echo "Host: $(uname -sr), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')."
    echo "gVisor: \`$GVISOR --network=none --platform=ptrace do\` ($("$GVISOR" --version 2>/dev/null | head -n1))."
    echo "Ours: \`$OUR_RUNSC --platform=systrap do\` and \`$OUR_RUNSC --platform=ptrace do\`."
    for env in "${ENVS[@]}"; do env_ok "$env" || echo "**$env unavailable**: ${ENV_WHY[$env]:-?}"; done
    echo
    echo "Raw runs (syscall, clock, ptrace, stat, open, read, pipetp and the other in-guest benches: median"
    echo "of $RUNS runs, clock_gettime inside the guest; start-up, python, gcc: median of $START_RUNS runs,"
    echo "find: median of $FIND_RUNS runs after one untimed counting run, wall time outside; idlecpu:"
    echo "median of $RUNS runs):"
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
    } > "$RESULTS"
    echo
    table
    echo
    log "written to $RESULTS"
}

main "$@"
