/* Large reads of files of the container's own tree (host files served by the gofer), which systrap's stub reads
 * straight into guest memory from a fd it keeps: the bytes and counts of read, pread and readv at every place in a
 * file, the file offset, buffers that end early or cannot be written, many files open at once (more than the stub
 * keeps), files closed and dup'ed, a fork's child reading through the fd it inherited, and threads reading at once. */
#include "common.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define BIG "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define CHUNK 65536
#define HUGE "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}
#define FNV0 1469598103934665603ULL

static unsigned char *whole; /* the file as one pread in 4 KiB steps read it (the reference) */
static long whole_len;

/* The file's hash by reads of size chunk from the current offset to the end. */
static uint64_t hash_by_reads(int fd, size_t chunk, long *total)
{
    static unsigned char b[1 << 18];
    uint64_t h = FNV0;
    long n, t = 0;
    while ((n = read(fd, b, chunk)) > 0) { h = fnv(b, n, h); t += n; }
    if (n < 0) printf("read: %s\n", errname(errno));
    *total = t;
    return h;
}

static void load_reference(void)
{
    int fd = open(BIG, O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    whole_len = st.st_size;
    whole = malloc(whole_len);
    for (long off = 0; off < whole_len; off += 4096) pread(fd, whole + off, 4096, off);
    close(fd);
}

static void sequential(void)
{
    int fd = open(BIG, O_RDONLY);
    for (int round = 0; round < 3; round++) {
        lseek(fd, 0, SEEK_SET);
        long total;
        uint64_t h = hash_by_reads(fd, CHUNK, &total);
        SHOW(total == whole_len);
        SHOW(h == fnv(whole, whole_len, FNV0));
        SHOW(lseek(fd, 0, SEEK_CUR) == whole_len);
    }
    /* An odd chunk and an odd start. */
    lseek(fd, 12345, SEEK_SET);
    long total;
    uint64_t h = hash_by_reads(fd, 40000, &total);
    SHOW(total == whole_len - 12345);
    SHOW(h == fnv(whole + 12345, whole_len - 12345, FNV0));
    close(fd);
}

static void positional(void)
{
    static unsigned char b[CHUNK * 2];
    int fd = open(BIG, O_RDONLY);
    long offs[] = { 0, 1, 4095, 4096, 65537, whole_len / 2, whole_len - CHUNK, whole_len - 100, whole_len - 1, whole_len, whole_len + 5, whole_len + 100000 };
    for (int rep = 0; rep < 2; rep++)
        for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
            long want = offs[i] >= whole_len ? 0 : (whole_len - offs[i] < CHUNK ? whole_len - offs[i] : CHUNK);
            memset(b, 0x5a, sizeof b);
            long n = pread(fd, b, CHUNK, offs[i]);
            printf("pread at #%u: %s, bytes %s, past the count untouched %s\n", i, n == want ? "count ok" : "COUNT WRONG",
                   n > 0 && memcmp(b, whole + offs[i], n) == 0 ? "same" : n == 0 ? "none" : "DIFFER",
                   b[n > 0 ? n : 0] == 0x5a ? "yes" : "no");
        }
    SHOW(lseek(fd, 0, SEEK_CUR) == 0);
    CHECK(pread(fd, b, CHUNK, -1));
    close(fd);
}

static void vectors(void)
{
    static unsigned char a[40000], b[30000], c[50000];
    int fd = open(BIG, O_RDONLY);
    for (int rep = 0; rep < 3; rep++) {
        struct iovec v[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
        long n = preadv(fd, v, 3, 1000 * rep);
        SHOW(n == (long)(sizeof a + sizeof b + sizeof c));
        SHOW(memcmp(a, whole + 1000 * rep, sizeof a) == 0 && memcmp(b, whole + 1000 * rep + sizeof a, sizeof b) == 0 &&
             memcmp(c, whole + 1000 * rep + sizeof a + sizeof b, sizeof c) == 0);
    }
    lseek(fd, whole_len - 50000, SEEK_SET);
    struct iovec v[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
    CHECK(readv(fd, v, 3));
    SHOW(memcmp(a, whole + whole_len - 50000, sizeof a) == 0 && memcmp(b, whole + whole_len - 10000, 10000) == 0);
    close(fd);
}

/* Buffers the guest cannot fully take: Linux reads up to the first page it cannot write. */
static void bad_buffers(void)
{
    int fd = open(BIG, O_RDONLY);
    unsigned char *m = mmap(NULL, 5 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m + 4 * CHUNK, CHUNK, PROT_NONE); /* the buffer ends at 4 * CHUNK */
    for (int rep = 0; rep < 2; rep++) {
        mprotect(m + CHUNK, CHUNK, PROT_NONE);
        CHECK(pread(fd, m, 2 * CHUNK, 0));
        SHOW(memcmp(m, whole, CHUNK) == 0);
        CHECK(pread(fd, m + CHUNK, CHUNK, 0));
        mprotect(m + CHUNK, CHUNK, PROT_READ);
        CHECK(pread(fd, m + CHUNK, CHUNK, 0));
        CHECK(pread(fd, m + CHUNK - 5000, CHUNK, 100));
        SHOW(memcmp(m + CHUNK - 5000, whole + 100, 5000) == 0);
        mprotect(m + CHUNK, CHUNK, PROT_READ | PROT_WRITE);
        CHECK(pread(fd, (void *)8, CHUNK, 0));
        CHECK(read(fd, m, CHUNK));
        CHECK(pread(fd, m + 3 * CHUNK + 4096, CHUNK, 0));
        SHOW(memcmp(m + 3 * CHUNK + 4096, whole, CHUNK - 4096) == 0);
    }
    SHOW(lseek(fd, 0, SEEK_CUR) == CHUNK * 2);
    /* Into a private mapping of the file itself. */
    unsigned char *self = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    for (int rep = 0; rep < 2; rep++) CHECK(pread(fd, self, 2 * CHUNK, 3 * CHUNK));
    SHOW(memcmp(self, whole + 3 * CHUNK, 2 * CHUNK) == 0);
    /* The whole file in one read, from a little way in. */
    unsigned char *huge = malloc(whole_len + 8 * CHUNK);
    for (int rep = 0; rep < 2; rep++) {
        memset(huge, 0, whole_len);
        SHOW(pread(fd, huge, whole_len + 8 * CHUNK, 3) == whole_len - 3);
        SHOW(memcmp(huge, whole + 3, whole_len - 3) == 0);
    }
    free(huge);
    munmap(self, 2 * CHUNK);
    munmap(m, 5 * CHUNK);
    close(fd);
}

/* A read larger than one stub pread (4 MiB): gcc's cc1, read whole in one call, compared with 4 KiB preads. */
static void huge_read(void)
{
    int fd = open(HUGE, O_RDONLY);
    if (fd < 0) { printf("%s: %s\n", HUGE, errname(errno)); return; }
    struct stat st;
    fstat(fd, &st);
    SHOW(st.st_size > 3 * (4 << 20));
    unsigned char *ref = malloc(st.st_size), *b = malloc(st.st_size + CHUNK);
    for (long off = 0; off < st.st_size; off += 4096) pread(fd, ref + off, 4096, off);
    for (int rep = 0; rep < 2; rep++) {
        memset(b, 0, st.st_size);
        lseek(fd, 100, SEEK_SET);
        SHOW(read(fd, b, st.st_size + CHUNK) == st.st_size - 100);
        SHOW(memcmp(b, ref + 100, st.st_size - 100) == 0);
        SHOW(lseek(fd, 0, SEEK_CUR) == st.st_size);
    }
    free(ref);
    free(b);
    close(fd);
}

/* More files than the stub keeps, closed, dup'ed and reopened in turn. */
static void many_files(void)
{
    enum { N = 40 };
    static unsigned char b[CHUNK];
    int fds[N];
    int ok = 1;
    for (int i = 0; i < N; i++) fds[i] = open(BIG, O_RDONLY);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N; i++) {
            long off = (long)(i * 7919 + round * 104729) % (whole_len - CHUNK);
            if (pread(fds[i], b, CHUNK, off) != CHUNK || memcmp(b, whole + off, CHUNK) != 0) ok = 0;
            if (round == 1 && i % 3 == 0) {
                int d = dup(fds[i]);
                close(fds[i]);
                fds[i] = d;
            }
            if (round == 1 && i % 5 == 0) {
                close(fds[i]);
                fds[i] = open(BIG, O_RDONLY);
            }
        }
    for (int i = 0; i < N; i++) close(fds[i]);
    SHOW(ok);
}

/* A fork's child reads on through the description it shares with its parent (one offset). */
static void fork_child(void)
{
    static unsigned char b[CHUNK];
    int fd = open(BIG, O_RDONLY);
    read(fd, b, CHUNK);
    read(fd, b, CHUNK);
    pid_t p = fork();
    if (p == 0) {
        int good = 1;
        for (int i = 0; i < 3; i++)
            if (read(fd, b, CHUNK) != CHUNK || memcmp(b, whole + (2 + i) * CHUNK, CHUNK) != 0) good = 0;
        int fd2 = open(BIG, O_RDONLY);
        for (int i = 0; i < 3; i++)
            if (pread(fd2, b, CHUNK, i * 3000) != CHUNK || memcmp(b, whole + i * 3000, CHUNK) != 0) good = 0;
        _exit(good ? 0 : 1);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    SHOW(lseek(fd, 0, SEEK_CUR) == 5 * CHUNK);
    CHECK(read(fd, b, CHUNK));
    SHOW(memcmp(b, whole + 5 * CHUNK, CHUNK) == 0);
    close(fd);
}

static void *reader(void *arg)
{
    long id = (long)arg;
    static __thread unsigned char b[CHUNK];
    int fd = open(BIG, O_RDONLY), shared_fd = (int)(id >> 8);
    long bad = 0;
    for (int i = 0; i < 300; i++) {
        long off = (long)((id & 0xff) * 977 + i * 65599) % (whole_len - CHUNK);
        int use = (i & 1) ? fd : shared_fd;
        if (pread(use, b, CHUNK, off) != CHUNK || memcmp(b, whole + off, CHUNK) != 0) bad++;
    }
    close(fd);
    return (void *)bad;
}

/* Forks while the other threads read: each child reads through the fds it inherited (the stub's table is copied
 * with the process) and through one of its own. */
static void *forker(void *arg)
{
    int shared_fd = (int)(long)arg;
    static unsigned char b[CHUNK];
    long bad = 0;
    for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) {
            int ok = 1;
            for (int k = 0; k < 5; k++) {
                long off = (long)(i * 4099 + k * 65521) % (whole_len - CHUNK);
                if (pread(shared_fd, b, CHUNK, off) != CHUNK || memcmp(b, whole + off, CHUNK) != 0) ok = 0;
            }
            int own = open(BIG, O_RDONLY);
            for (int k = 0; k < 3; k++)
                if (pread(own, b, CHUNK, k * 7) != CHUNK || memcmp(b, whole + k * 7, CHUNK) != 0) ok = 0;
            _exit(ok ? 0 : 1);
        }
        int st;
        waitpid(p, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    }
    return (void *)bad;
}

static void threads(void)
{
    int shared_fd = open(BIG, O_RDONLY);
    pthread_t t[4], f;
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, reader, (void *)(i | (long)shared_fd << 8));
    pthread_create(&f, NULL, forker, (void *)(long)shared_fd);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    void *r;
    pthread_join(f, &r);
    printf("threads: %ld bad reads, %ld bad children\n", bad, (long)r);
    close(shared_fd);
}

int main(void)
{
    load_reference();
    SHOW(whole_len > 4 * CHUNK);
    sequential();
    positional();
    vectors();
    bad_buffers();
    huge_read();
    many_files();
    fork_child();
    threads();
    return 0;
}
