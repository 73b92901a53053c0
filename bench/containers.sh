#!/usr/bin/env bash
# Container start-up, in one run: `runc run`, Debian's gVisor `runsc run` and ours on one busybox `true` bundle,
# then `docker run --rm IMG true` with each runtime on a dockerd of this script's own. Medians of RUNS (10) runs.
#
#   bench/containers.sh [OUR_RUNSC]      (default out/runsc; GVISOR=/usr/bin/runsc; RUNS=10)
#
# Needs root, busybox-static, runc, docker.io and (for the gVisor column) Debian's runsc. Writes the table to stdout
# and to bench/containers-results.md. gVisor runs with --network=none --platform=ptrace (its default network
# fails on these machines).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ours=$(realpath "${1:-$here/../out/runsc}")
gvisor=${GVISOR:-/usr/bin/runsc}
runs=${RUNS:-10}
work=$(mktemp -d /tmp/akbench.XXXXXX)
dockerd_pid=
cleanup() {
    [ -n "$dockerd_pid" ] && kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null
    grep -o " $work[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A busybox bundle (ECOSYSTEM.md's recipe), process `true`.
b=$work/bundle
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp" "$b/rootfs/etc"
cp /bin/busybox "$b/rootfs/bin/"
for a in sh true echo; do ln -sf busybox "$b/rootfs/bin/$a"; done
(cd "$b" && runc spec)
python3 - "$b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c['process']['terminal'] = False; c['process']['args'] = ['true']
json.dump(c, open(sys.argv[1], 'w'))
PY

# median_ms CMD...: the median wall time of $runs runs, in ms ("n/a" if any run fails).
median_ms() {
    local times=() i s e
    for ((i = 0; i < runs; i++)); do
        s=$EPOCHREALTIME
        "$@" </dev/null >/dev/null 2>&1 || { echo n/a; return; }
        e=$EPOCHREALTIME
        times+=("$(echo "($e - $s) * 1000" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
n=0
run_bundle() { n=$((n + 1)); (cd "$b" && "$@" "c$n"); }

runc_run=$(median_ms run_bundle runc --root "$work/runc" run)
ours_run=$(median_ms run_bundle "$ours" --root "$work/ours" run)
gvisor_run=n/a
[ -x "$gvisor" ] && gvisor_run=$(median_ms run_bundle "$gvisor" --root "$work/gvisor" --network=none --platform=ptrace run)

# Docker with the three runtimes.
d=$work/docker
mkdir -p "$d"
cat >"$d/daemon.json" <<JSON
{"iptables":false,"ip-masq":false,"bridge":"none","data-root":"$d/root","exec-root":"$d/exec","pidfile":"$d/pid",
 "hosts":["unix://$d/docker.sock"],
 "runtimes":{"ours":{"path":"$ours"},"gvisor":{"path":"$gvisor","runtimeArgs":["--network=none","--platform=ptrace"]}}}
JSON
dockerd --config-file "$d/daemon.json" >"$d/dockerd.log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST=unix://$d/docker.sock
for _ in $(seq 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
tar -C "$b/rootfs" -cf "$work/rootfs.tar" .
docker import "$work/rootfs.tar" bench/busybox:latest >/dev/null
docker_runc=$(median_ms docker run --rm --network=none bench/busybox true)
docker_ours=$(median_ms docker run --rm --network=none --runtime=ours bench/busybox true)
docker_gvisor=n/a
[ -x "$gvisor" ] && docker_gvisor=$(median_ms docker run --rm --network=none --runtime=gvisor bench/busybox true)

ratio() { [ "$1" = n/a ] || [ "$2" = n/a ] && { echo n/a; return; }; echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
table=$(cat <<MD
| start-up of a busybox \`true\` container (median of $runs, ms) | runc | gVisor (ptrace) | ours | ours/runc | ours/gVisor |
|---|---|---|---|---|---|
| \`RUNTIME run\` of an OCI bundle | $runc_run | $gvisor_run | $ours_run | $(ratio "$ours_run" "$runc_run")x | $(ratio "$ours_run" "$gvisor_run")x |
| \`docker run --rm IMG true\` | $docker_runc | $docker_gvisor | $docker_ours | $(ratio "$docker_ours" "$docker_runc")x | $(ratio "$docker_ours" "$docker_gvisor")x |
MD
)
echo "$table"
{ echo "# Container start-up ($(date -u +%Y-%m-%d), $(nproc) cores)"; echo; echo "$table"; } >"$here/containers-results.md"
