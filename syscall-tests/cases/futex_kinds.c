/* futex edges: FUTEX_WAKE_BITSET wakes only waiters sharing a bit (0 is EINVAL); a private wake never wakes a shared
 * waiter on the same word nor the reverse, in private and in shared memory; get_robust_list of another thread. */
#include "common.h"
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

static long futex(uint32_t *a, int op, uint32_t val, const struct timespec *ts, uint32_t val3)
{
    return syscall(SYS_futex, a, op, val, ts, NULL, val3);
}

static uint32_t *word;
static volatile int woke;
static int wait_op;
static uint32_t wait_bits;

static void *waiter(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 1;
    long r;
    if ((wait_op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET)
        r = futex(word, wait_op, 0, &ts, wait_bits);
    else {
        struct timespec rel = {1, 0};
        r = futex(word, wait_op, 0, &rel, 0);
    }
    woke = r == 0 ? 1 : -errno;
    return NULL;
}

/* Starts a waiter, gives it time to sleep, then tries wake_op; reports what each side saw. */
static void attempt(const char *what, int wop, uint32_t wbits, int op, uint32_t bits)
{
    wait_op = wop;
    wait_bits = wbits;
    woke = 0;
    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    usleep(200000);
    long n = futex(word, op, 1, NULL, bits);
    pthread_join(th, NULL);
    printf("%s: wake returned %ld, waiter %s\n", what, n, woke == 1 ? "woken" : woke == -ETIMEDOUT ? "timed out" : "other");
}

static void run(const char *mem)
{
    printf("-- %s memory\n", mem);
    attempt("bitset 1 vs wake 2", FUTEX_WAIT_BITSET_PRIVATE, 1, FUTEX_WAKE_BITSET_PRIVATE, 2);
    attempt("bitset 3 vs wake 2", FUTEX_WAIT_BITSET_PRIVATE, 3, FUTEX_WAKE_BITSET_PRIVATE, 2);
    attempt("bitset 1 vs plain wake", FUTEX_WAIT_BITSET_PRIVATE, 1, FUTEX_WAKE_PRIVATE, 0);
    attempt("private wait, shared wake", FUTEX_WAIT_PRIVATE, 0, FUTEX_WAKE, 0);
    attempt("shared wait, private wake", FUTEX_WAIT, 0, FUTEX_WAKE_PRIVATE, 0);
    attempt("shared wait, shared wake", FUTEX_WAIT, 0, FUTEX_WAKE, 0);
}

static void *robust_reader(void *arg)
{
    pid_t tid = *(pid_t *)arg;
    struct robust_list_head *mine, *theirs;
    size_t len;
    syscall(SYS_get_robust_list, 0, &mine, &len);
    CHECK(syscall(SYS_get_robust_list, tid, &theirs, &len));
    printf("len %zu, heads differ: %d\n", len, mine != theirs);
    void *main_head = *(void **)((char *)arg + sizeof(pid_t) + 4);
    SHOW(theirs == main_head);
    CHECK(syscall(SYS_get_robust_list, 0x3fffffff, &theirs, &len));
    return NULL;
}

int main(void)
{
    static uint32_t private_word;
    word = &private_word;
    CHECK(futex(word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, 0));
    run("private");
    word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    run("shared");

    struct {
        pid_t tid;
        int pad;
        void *head;
    } arg;
    arg.tid = (pid_t)syscall(SYS_gettid);
    size_t len;
    syscall(SYS_get_robust_list, 0, &arg.head, &len);
    pthread_t th;
    pthread_create(&th, NULL, robust_reader, &arg);
    pthread_join(th, NULL);
    return 0;
}
