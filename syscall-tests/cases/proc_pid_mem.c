/* /proc/PID/mem: the offset is the address. One's own memory is read and written through it, a read-only private
 * page and a PROT_NONE one included (forced, as ptrace's POKE), not a read-only shared one (EIO); nothing mapped is
 * EIO, a read running into a hole stops there. Another process's memory (a child's, its task/TID/mem too); a
 * process of another uid may not open ours (EACCES); SEEK_END is EINVAL. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static char word[16] = "child-word";

int main(void)
{
    char path[64], buf[16];
    int fd = CHECK_OK(open("/proc/self/mem", O_RDWR));

    char *ro = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(ro, "read-only");
    strcpy(ro + 4096 - 3, "edge");
    munmap(ro + 4096, 4096);
    mprotect(ro, 4096, PROT_READ);
    CHECK(pread(fd, buf, 9, (long)ro));
    printf("read: %.9s\n", buf);
    CHECK(pwrite(fd, "READ", 4, (long)ro));
    printf("after write: %s\n", ro);
    CHECK(pread(fd, buf, 16, (long)ro + 4096 - 3)); /* stops at the hole */
    CHECK(pread(fd, buf, 16, (long)ro + 4096));
    CHECK(pwrite(fd, "x", 1, (long)ro + 4096));
    CHECK(pread(fd, buf, 4, 4096));

    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pwrite(fd, "hidden", 7, (long)none));
    CHECK(pread(fd, buf, 7, (long)none));
    printf("PROT_NONE page: %s\n", buf);

    char *shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(pread(fd, buf, 4, (long)shared));
    CHECK(pwrite(fd, "x", 1, (long)shared));
    CHECK(lseek(fd, 0, SEEK_END));
    CHECK(lseek(fd, 4096, SEEK_SET));
    close(fd);

    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(go[0], &b, 1);
        printf("child: word %s\n", word);
        _exit(0);
    }
    snprintf(path, sizeof path, "/proc/%d/mem", c);
    fd = CHECK_OK(open(path, O_RDWR));
    CHECK(pread(fd, buf, 10, (long)word));
    printf("child's word: %.10s\n", buf);
    CHECK(pwrite(fd, "PARENT", 6, (long)word));
    close(fd);
    snprintf(path, sizeof path, "/proc/%d/task/%d/mem", c, c);
    fd = CHECK_OK(open(path, O_RDONLY));
    CHECK(pread(fd, buf, 10, (long)word));
    printf("through task/: %.10s\n", buf);
    CHECK(pwrite(fd, "x", 1, (long)word));
    close(fd);
    write(go[1], "g", 1);
    waitpid(c, NULL, 0);

    pid_t parent = getpid();
    c = fork();
    if (c == 0) {
        char p2[64];
        setresgid(65534, 65534, 65534);
        setresuid(65534, 65534, 65534);
        snprintf(p2, sizeof p2, "/proc/%d/mem", parent);
        CHECK(open(p2, O_RDONLY));
        _exit(0);
    }
    waitpid(c, NULL, 0);

    return 0;
}
