/* Copies between a syscall and guest memory that fault: into a read-only page,
 * into a file mapping's page past the end of the file (SIGBUS territory),
 * from a path past the file's end, with the direction flag set by the caller,
 * and while another thread unmaps and maps the buffer again. Each is EFAULT
 * or success, as Linux's, and nothing dies. */
#include "common.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

static char *volatile racy;
static volatile int stop;

static void *remapper(void *arg)
{
    (void)arg;
    while (!stop) {
        munmap(racy, 4096);
        mmap(racy, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
    return NULL;
}

/* stat(2) by hand, with DF set around the syscall instruction (repeated, so a rewritten site's trampoline runs too). */
static long stat_with_df(const char *path, struct stat *st)
{
    long r;
    __asm__ volatile("std\n\t"
                     "syscall\n\t"
                     "cld"
                     : "=a"(r)
                     : "0"((long)SYS_stat), "D"(path), "S"(st)
                     : "rcx", "r11", "memory");
    return r;
}

int main(void)
{
    struct stat st;
    CHECK(stat("/", &st));

    char *ro = CHECK_PTR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(stat("/", (struct stat *)ro));
    CHECK(fstat(0, (struct stat *)ro));

    /* A one-page mapping of a 100-byte file, and the page after it mapped but past the end. */
    char path[] = "/tmp/copy_faults_XXXXXX";
    int fd = CHECK_OK(mkstemp(path));
    CHECK(ftruncate(fd, 100));
    char *m = CHECK_PTR(mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    CHECK(stat("/", (struct stat *)(m + 4096)));
    CHECK(stat("/", (struct stat *)(m + 4096 - sizeof(struct stat) / 2)));
    strcpy(m, "/");
    CHECK(stat(m, &st));
    CHECK(stat(m + 4096, &st));
    /* A path that runs from the file's last page into the page past its end. */
    memset(m, 'a', 4096);
    CHECK(stat(m + 3000, &st));
    CHECK(munmap(m, 8192));
    CHECK(unlink(path));
    close(fd);

    struct stat a, b;
    CHECK(stat("/usr", &a));
    int same = 1;
    for (int i = 0; i < 3; i++) {
        memset(&b, 0, sizeof b);
        long r = stat_with_df("/usr", &b);
        same &= r == 0 && b.st_ino == a.st_ino && b.st_mode == a.st_mode;
    }
    SHOW(same);

    racy = CHECK_PTR(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    pthread_t t;
    pthread_create(&t, NULL, remapper, NULL);
    int odd = 0;
    for (int i = 0; i < 20000; i++) {
        errno = 0;
        int r = stat("/", (struct stat *)racy);
        if (!(r == 0 || (r == -1 && errno == EFAULT)))
            odd++;
    }
    stop = 1;
    pthread_join(t, NULL);
    printf("racing an unmap: %d results other than 0 or EFAULT\n", odd);
    return 0;
}
