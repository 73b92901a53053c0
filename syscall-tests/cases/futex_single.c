/* futex without a second thread: wake with no waiters, mismatched waits,
 * timeouts, errors. */
#include "common.h"
#include <linux/futex.h>
#include <stdint.h>
#include <time.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
                  uint32_t *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

int main(void)
{
    static uint32_t word = 5, other = 0;
    CHECK(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK(futex(&word, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0));
    CHECK(futex(&word, FUTEX_WAIT, 4, NULL, NULL, 0));
    CHECK(futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0));

    /* a matching wait times out */
    struct timespec ts = {0, 20 * 1000 * 1000}, a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK(futex(&word, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long el = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    SHOW(el >= 20000000);

    /* FUTEX_WAIT_BITSET takes an absolute timeout */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 10 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    CHECK(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &ts, NULL, FUTEX_BITSET_MATCH_ANY));
    CHECK(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &ts, NULL, 0));
    CHECK(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY));

    CHECK(futex(&word, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &other, 0));
    CHECK(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other, 5));
    CHECK(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other, 6));
    /* FUTEX_WAKE_OP: *uaddr2 += 1, wake if old value == 0 */
    CHECK(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &other,
                FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
    printf("other after WAKE_OP: %u\n", other);

    /* errors */
    CHECK(futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK(futex((uint32_t *)((char *)&word + 1), FUTEX_WAIT, 5, NULL, NULL, 0));
    CHECK(futex((uint32_t *)8, FUTEX_WAIT, 5, NULL, NULL, 0));
    CHECK(futex(&word, 99, 0, NULL, NULL, 0));
    ts.tv_sec = 0;
    ts.tv_nsec = 2000000000;
    CHECK(futex(&word, FUTEX_WAIT, 5, &ts, NULL, 0));
    return 0;
}
