/* One thread reads an fd that only ever names file A or /dev/null while the
 * main thread swaps it with dup2 and opens and closes other files: the reader
 * must never see a byte of another file (the kernel holds a reference on the
 * file for the whole read, so its host fd cannot be closed and reused by the
 * next open).  Reads: $FD_SWAP_READS, default 20000. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>

#define SLOT 100
#define LEN (1 << 20) /* long reads widen the window in which a close could race */

static const char *A = "/usr/lib/x86_64-linux-gnu/libc.so.6";
static const char *others[] = {"/usr/lib/x86_64-linux-gnu/libm.so.6", "/etc/os-release", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                               "/etc/passwd", "/usr/bin/perl"};
static char expect[LEN];
static long expect_len;
static long reads_wanted;
static atomic_int done;
static long bad, of_a, empty, errors;

static void *reader(void *arg)
{
    (void)arg;
    static char buf[LEN];
    for (long i = 0; i < reads_wanted; i++) {
        long n = pread(SLOT, buf, LEN, 0);
        if (n < 0) errors++; /* EBADF cannot happen: the slot is always open */
        else if (n == 0) empty++;
        else if (n == expect_len && memcmp(buf, expect, n) == 0) of_a++;
        else bad++;
    }
    atomic_store(&done, 1);
    return NULL;
}

int main(void)
{
    const char *env = getenv("FD_SWAP_READS");
    reads_wanted = env ? atol(env) : 20000;
    int a = open(A, O_RDONLY);
    expect_len = pread(a, expect, LEN, 0);
    if (expect_len <= 0) { printf("cannot read %s\n", A); return 1; }
    int null = open("/dev/null", O_RDONLY);
    dup2(a, SLOT);
    close(a);
    pthread_t th;
    pthread_create(&th, NULL, reader, NULL);
    long swaps = 0;
    while (!atomic_load(&done)) {
        /* Replace A (closing its last fd) and open other files at once, so a freed host fd is reused. */
        dup2(null, SLOT);
        int o[5];
        for (int i = 0; i < 5; i++) o[i] = open(others[i], O_RDONLY);
        int fa = open(A, O_RDONLY);
        dup2(fa, SLOT);
        close(fa);
        for (int i = 0; i < 5; i++) if (o[i] >= 0) close(o[i]);
        swaps++;
    }
    pthread_join(th, NULL);
    printf("reads of another file: %ld\n", bad);
    printf("errors: %ld\n", errors);
    printf("every read was A or /dev/null: %s\n", of_a + empty == reads_wanted ? "yes" : "no");
    printf("swapped: %s\n", swaps > 0 ? "yes" : "no");
    fprintf(stderr, "reads %ld (A %ld, null %ld), swaps %ld\n", reads_wanted, of_a, empty, swaps);
    return 0;
}
