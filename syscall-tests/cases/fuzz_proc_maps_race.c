/* /proc/self/maps, /proc/self/status and /proc/meminfo read while other threads map and unmap (found by
 * fuzz/sysfuzz: the maps text enumerated the VMA list while a thread changed it, an internal error in the
 * Sentry; the syscall-test runner fails a case on such an error line). */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

enum { MAPPERS = 3, ROUNDS = 4000 };
static atomic_int running = MAPPERS;

static void *mapper(void *arg)
{
    unsigned seed = (unsigned)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        size_t len = ((seed = seed * 1103515245 + 12345) >> 16) % 16 * 4096 + 4096;
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); exit(1); }
        if (i % 3 == 0) mprotect(p, 4096, PROT_READ);
        munmap(p, len);
    }
    atomic_fetch_sub(&running, 1);
    return NULL;
}

static int read_all(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    static char b[1 << 16];
    ssize_t n, total = 0;
    while ((n = read(fd, b, sizeof b)) > 0) total += n;
    close(fd);
    return n < 0 ? -1 : (int)(total > 0);
}

int main(void)
{
    pthread_t th[MAPPERS];
    for (long i = 0; i < MAPPERS; i++) pthread_create(&th[i], NULL, mapper, (void *)(i + 1));
    int bad = 0, reads = 0;
    while (atomic_load(&running) > 0) {
        bad += read_all("/proc/self/maps") != 1;
        bad += read_all("/proc/self/status") != 1;
        bad += read_all("/proc/meminfo") != 1;
        reads++;
    }
    for (int i = 0; i < MAPPERS; i++) pthread_join(th[i], NULL);
    SHOW(bad == 0);
    SHOW(reads > 0);
    return 0;
}
