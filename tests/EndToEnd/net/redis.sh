# redis-server on the loopback driven by redis-cli.
d=$(mktemp -d)
redis-server --port 16380 --bind 127.0.0.1 --save '' --appendonly no --dir "$d" --daemonize no --loglevel warning >/dev/null & pid=$!
for i in $(seq 1 100); do redis-cli -p 16380 ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p 16380 set greeting "hello redis"
redis-cli -p 16380 get greeting
redis-cli -p 16380 incrby counter 41
redis-cli -p 16380 incr counter
redis-cli -p 16380 rpush list a b c
redis-cli -p 16380 lrange list 0 -1
redis-cli -p 16380 shutdown nosave >/dev/null 2>&1
wait $pid
echo "server exit $?"
