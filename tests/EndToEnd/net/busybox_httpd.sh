# busybox httpd serving a directory, fetched with busybox wget.
set -e
d=$(mktemp -d); printf 'index from busybox httpd\n' > "$d/index.html"
busybox httpd -f -p 127.0.0.1:18093 -h "$d" & pid=$!
for i in $(seq 1 50); do busybox wget -qO- http://127.0.0.1:18093/index.html 2>/dev/null && break; sleep 0.1; done
busybox wget -qO- http://127.0.0.1:18093/nothing-here 2>&1 | sed 's/^wget: //'
kill $pid; wait $pid 2>/dev/null || true
