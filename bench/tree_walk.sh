#!/usr/bin/env bash
# Memory of a sandbox that walks a big tree: builds a host tree of about a million entries (DIRS
# directories of FILES empty files, made once by bench/mktree.c and kept), walks it twice inside
# `OUR_RUNSC do` (bench/treewalk.c: nftw + lstat of every entry) and samples VmRSS of runsc (the
# Sentry) and of its `runsc gofer` child while the guest is idle before the walks and after each
# walk (it waits for a byte on stdin); its pass times are reported with the same walks natively and in
# Debian's gVisor (`runsc --network=none --platform=ptrace do`).
#
#   bench/tree_walk.sh [OUR_RUNSC]     (default /work/main/out/runsc)
#
# Environment: TREE=/var/tmp/appkernel-tree (kept between runs), DIRS=1000, FILES=1000,
#   SETTLE=3 (seconds to wait after a walk before sampling), GVISOR=/usr/bin/runsc, TIMEOUT=900.
# Not part of the tests (a benchmark: it takes minutes).
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$BENCH_DIR/build"
OUR_RUNSC=${1:-${OUR_RUNSC:-/work/main/out/runsc}}
GVISOR=${GVISOR:-/usr/bin/runsc}
TREE=${TREE:-/var/tmp/appkernel-tree}
DIRS=${DIRS:-1000}
FILES=${FILES:-1000}
SETTLE=${SETTLE:-3}
TIMEOUT=${TIMEOUT:-900}

log() { echo "[tree_walk] $*" >&2; }

mkdir -p "$BUILD"
for p in mktree treewalk; do
    [[ $BUILD/$p -nt $BENCH_DIR/$p.c ]] || gcc -O2 -static -o "$BUILD/$p" "$BENCH_DIR/$p.c" || { log "build of $p failed"; exit 1; }
done
stamp="$TREE/.complete-$DIRS-$FILES"
if [[ ! -e $stamp ]]; then
    log "making $TREE ($DIRS x $FILES entries)"
    rm -rf "$TREE" && "$BUILD/mktree" "$TREE" "$DIRS" "$FILES" && touch "$stamp" || { log "mktree failed"; exit 1; }
fi

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo n/a; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo n/a; }
# The gofer: the child of runsc whose command line says "gofer".
gofer_of() {
    local c
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null | grep -q ' gofer' && { echo "$c"; return; }
    done
}

# ---- ours: idle, after walk 1, after walk 2 (the guest waits on a FIFO as its stdin between the steps)
ours() {
    local dir fifo out pid gpid step line
    dir=$(mktemp -d); fifo="$dir/go"; out="$dir/out"
    mkfifo "$fifo"
    "$OUR_RUNSC" do "$BUILD/treewalk" "$TREE" 2 0 < "$fifo" > "$out" 2>"$dir/err" &
    pid=$!
    exec 3>"$fifo"
    for step in idle "pass 1" "pass 2"; do
        for ((i = 0; i < TIMEOUT * 10; i++)); do
            grep -q "^$step" "$out" && break
            kill -0 "$pid" 2>/dev/null || { echo "| $step | failed: $(cat "$out" "$dir/err" | tail -n 1) | | | |"; exec 3>&-; return 1; }
            sleep 0.1
        done
        sleep "$SETTLE"
        gpid=$(gofer_of "$pid")
        line=$(grep "^$step" "$out")
        [[ $step == pass* ]] && OUR_TIMES+="${OUR_TIMES:+ | }${line#*: }"
        printf '| %s | %s | %s | %s | %s |\n' "$step" "${line#*: }" "$(rss_kb "$pid")" "$(hwm_kb "$pid")" "$( [[ -n $gpid ]] && rss_kb "$gpid" || echo n/a)"
        printf x >&3
    done
    exec 3>&-
    wait "$pid"
    rm -rf "$dir"
}

entries=$(( DIRS * FILES + DIRS + 1 ))
echo "## Walking a tree of $entries entries twice ($TREE), $(date -u +%F)"
echo
echo "Ours: \`$OUR_RUNSC do treewalk\`; VmRSS sampled ${SETTLE} s after each step."
echo
echo "| step | walk | runsc (Sentry) VmRSS KiB | runsc peak (VmHWM) KiB | gofer VmRSS KiB |"
echo "| --- | --- | --- | --- | --- |"
OUR_TIMES=
ours
echo
echo "Walk times (each pass: nftw + lstat of every entry; ours: the run above, pauses excluded; the entry"
echo "count shows whether an environment saw the whole tree):"
echo
echo "| environment | pass 1 | pass 2 |"
echo "| --- | --- | --- |"
n=$(timeout "$TIMEOUT" "$BUILD/treewalk" "$TREE" 2 | sed 's/pass [12]: //' | paste -sd'|' | sed 's/|/ | /')
echo "| native | $n |"
echo "| ours | ${OUR_TIMES:-failed} |"
if [[ -x $GVISOR ]]; then
    g=$(timeout "$TIMEOUT" "$GVISOR" --network=none --platform=ptrace do "$BUILD/treewalk" "$TREE" 2 </dev/null 2>/dev/null | cat | sed 's/pass [12]: //' | paste -sd'|' | sed 's/|/ | /')
    echo "| gVisor (ptrace) | ${g:-failed} |"
else
    echo "| gVisor (ptrace) | $GVISOR not found | |"
fi
