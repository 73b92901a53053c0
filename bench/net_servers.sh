#!/usr/bin/env bash
# Two servers with their clients inside one sandbox, in one run natively (a fresh network namespace with lo up),
# under Debian's gVisor (--network=none --platform=ptrace) and under ours:
#   redis:  redis-benchmark -q -n 20000 -c 8 -t set,get against redis-server   (requests/s of SET and GET)
#   nginx:  wrk -t2 -c16 -d5s against nginx serving a 4 KiB file                (requests/s)
#
#   bench/net_servers.sh [OUR_RUNSC]      (default out/runsc; GVISOR=/usr/bin/runsc)
#
# Needs root, redis-server, redis-tools, nginx-light, wrk. Writes the table to stdout and bench/net_servers-results.md.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ours=$(realpath "${1:-$here/../out/runsc}")
gvisor=${GVISOR:-/usr/bin/runsc}
work=$(mktemp -d /tmp/aknet.XXXXXX)
chmod 755 "$work" # nginx workers run as www-data
trap 'rm -rf "$work"' EXIT
for p in redis-server redis-benchmark nginx wrk; do
    command -v $p >/dev/null || { echo "missing $p: apt-get install redis-server redis-tools nginx-light wrk" >&2; exit 1; }
done

# The redis job: start the server, benchmark it, stop it; prints "SET GET" requests/s.
cat > "$work/redis.sh" <<'SH'
d=$(mktemp -d)
redis-server --port 16390 --bind 127.0.0.1 --save '' --appendonly no --dir "$d" --daemonize no --loglevel warning >/dev/null & pid=$!
for i in $(seq 1 100); do redis-cli -p 16390 ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-benchmark -p 16390 -q -n 20000 -c 8 -t set,get 2>/dev/null | tr '\r' '\n' | grep 'requests per second' |
    sed -E 's/^([A-Z]+): ([0-9.]+) requests per second.*/\1 \2/' | awk '{v[$1]=$2} END {print v["SET"], v["GET"]}'
redis-cli -p 16390 shutdown nosave >/dev/null 2>&1; wait $pid
SH

# The nginx job: a 4 KiB file, wrk for 5 s; prints requests/s.
mkdir -p "$work/www"
head -c 4096 /dev/urandom | base64 -w 0 | head -c 4096 > "$work/www/file.html"
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $work/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $work/tmp;
    server { listen 127.0.0.1:18096; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
cat > "$work/nginx.sh" <<SH
nginx -c $work/nginx.conf & pid=\$!
for i in \$(seq 1 100); do wrk -t1 -c1 -d0.2s http://127.0.0.1:18096/file.html >/dev/null 2>&1 && break; sleep 0.1; done
wrk -t2 -c16 -d5s http://127.0.0.1:18096/file.html 2>/dev/null | awk '/Requests\/sec/ {print \$2}'
kill \$pid; wait \$pid 2>/dev/null
SH

native() { unshare -n sh -c "ip link set lo up && sh $1"; }
gv() { "$gvisor" --network=none --platform=ptrace do sh "$1" 2>/dev/null | cat; }
ak() { "$ours" do /bin/sh "$1" 2>/dev/null; }

declare -A res
for who in native gv ak; do
    res[$who,redis]=$($who "$work/redis.sh" | tail -1)
    res[$who,nginx]=$($who "$work/nginx.sh" | tail -1)
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }
col() { echo "${res[$1,redis]:-n/a n/a}" | awk -v i="$2" '{print $i}'; }
{
    echo "# Servers inside one sandbox: requests/s (higher is better)"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores; native in a fresh network namespace; gVisor = Debian's runsc --network=none --platform=ptrace."
    echo
    echo "| job | native | gVisor | ours | ours/native | ours/gVisor |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for i in 1 2; do
        name=$([ $i = 1 ] && echo "redis SET (-n 20000 -c 8)" || echo "redis GET (-n 20000 -c 8)")
        n=$(col native $i); g=$(col gv $i); a=$(col ak $i)
        echo "| $name | $n | $g | $a | $(ratio "$a" "$n") | $(ratio "$a" "$g") |"
    done
    n=${res[native,nginx]:-n/a}; g=${res[gv,nginx]:-n/a}; a=${res[ak,nginx]:-n/a}
    echo "| nginx 4 KiB, wrk -t2 -c16 -d5s | $n | $g | $a | $(ratio "$a" "$n") | $(ratio "$a" "$g") |"
} | tee "$here/net_servers-results.md"
