/* execveat through an fd: bad flags are EINVAL first; a script through an fd runs with /dev/fd/N as its name,
 * unless the fd is close-on-exec (its interpreter could not open it: ENOENT); an ELF through a close-on-exec fd
 * runs; AT_EXECFN is /dev/fd/N. */
#include "common.h"
#include <sys/auxv.h>
#include <sys/wait.h>

static void try_exec(const char *what, int dirfd, const char *path, int flags, char *const argv[])
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        syscall(SYS_execveat, dirfd, path, argv, (char *[]){ NULL }, flags);
        printf("%s: %s\n", what, errname(errno));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        const char *fn = (const char *)getauxval(AT_EXECFN);
        printf("  ran, AT_EXECFN starts /dev/fd/: %d\n", strncmp(fn, "/dev/fd/", 8) == 0);
        return 0;
    }
    char script[64];
    snprintf(script, sizeof script, "/tmp/execveat_fd.%d.sh", (int)getpid());
    int s = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    const char *text = "#!/bin/sh\necho \"  script ran as ${0%%[0-9]*}\"\n";
    write(s, text, strlen(text));
    close(s);
    char *sargv[] = { "script", NULL };
    try_exec("bad flags", -1, "", 0xFFFF, sargv);
    int fd = open(script, O_RDONLY);
    try_exec("script through an fd", fd, "", AT_EMPTY_PATH, sargv);
    close(fd);
    fd = open(script, O_RDONLY | O_CLOEXEC);
    try_exec("script through a close-on-exec fd", fd, "", AT_EMPTY_PATH, sargv);
    close(fd);
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    char *eargv[] = { "self", "child", NULL };
    try_exec("ELF through a close-on-exec fd", self, "", AT_EMPTY_PATH, eargv);
    close(self);
    unlink(script);
    return 0;
}
