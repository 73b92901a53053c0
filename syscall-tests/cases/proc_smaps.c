/* /proc/self/smaps: each mapping's maps line followed by its block; the size and VmFlags of a shared anonymous, a
 * private write-only anonymous and a shared read-only file mapping (page residency is the host's and not compared). */
#include "common.h"
#include <sys/mman.h>

static char smaps[1 << 20];

static void show(const char *what, void *addr)
{
    int fd = open("/proc/self/smaps", O_RDONLY);
    long n = 0, r;
    while ((r = read(fd, smaps + n, sizeof smaps - 1 - n)) > 0) n += r;
    smaps[n] = 0;
    close(fd);
    char start[32];
    snprintf(start, sizeof start, "\n%lx-", (unsigned long)addr);
    char *p = strstr(smaps, start);
    if (!p) { printf("%s: not found\n", what); return; }
    char *size = strstr(p, "\nSize:"), *flags = strstr(p, "\nVmFlags:");
    long kb = size ? strtol(size + 6, NULL, 10) : -1;
    char line[128] = "";
    if (flags) sscanf(flags + 1, "%127[^\n]", line);
    printf("%s: Size %ld kB, %s\n", what, kb, line);
}

int main(void)
{
    char *sa = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    show("shared anonymous", sa);
    char *pw = mmap(NULL, 2 * 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("private write-only", pw);
    char path[] = "/tmp/smapsXXXXXX";
    int fd = mkstemp(path);
    ftruncate(fd, 4096);
    int ro = open(path, O_RDONLY);
    char *fm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    show("shared read-only file", fm);
    char *lk = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    show("locked", lk);
    /* the block's keys depend on the kernel's version, so they are not compared */
    unlink(path);
    return 0;
}
