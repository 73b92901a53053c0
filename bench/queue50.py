# 50 threads contending on one queue.SimpleQueue: 25 producers each put ITEMS items, 25 consumers take
# them all. Prints the wall time of the whole exchange (bench/run.sh: queue50).
import queue, sys, threading, time

PAIRS, ITEMS = 25, int(sys.argv[1]) if len(sys.argv) > 1 else 400
q = queue.SimpleQueue()
STOP = object()

def produce():
    for i in range(ITEMS):
        q.put(i)

def consume(counts, k):
    n = 0
    while q.get() is not STOP:
        n += 1
    counts[k] = n

counts = [0] * PAIRS
t0 = time.perf_counter()
producers = [threading.Thread(target=produce) for _ in range(PAIRS)]
consumers = [threading.Thread(target=consume, args=(counts, k)) for k in range(PAIRS)]
for t in producers + consumers: t.start()
for t in producers: t.join()
for _ in consumers: q.put(STOP)
for t in consumers: t.join()
ms = (time.perf_counter() - t0) * 1000
assert sum(counts) == PAIRS * ITEMS, counts
print(f"queue50: {PAIRS} producers x {ITEMS} items, {PAIRS} consumers, {ms:.1f} ms")
