/* vfork and clone(CLONE_VM): the child runs in the parent's memory (its stores are the parent's) until it execs
 * or exits; posix_spawn reports the child's exec failure through that memory. */
#define _GNU_SOURCE
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>

extern char **environ;
static volatile int shared_value;

static int child_fn(void *arg)
{
    shared_value = *(int *)arg;
    return 5;
}

int main(void)
{
    /* vfork: the parent resumes after the child exits, and sees what it stored */
    shared_value = 1;
    pid_t c = vfork();
    if (c == 0) {
        shared_value = 2;
        _exit(3);
    }
    int st;
    waitpid(c, &st, 0);
    printf("after vfork: value %d, exit %d\n", shared_value, WEXITSTATUS(st));

    /* vfork + exec: the parent resumes when the child has exec'd */
    c = vfork();
    if (c == 0) {
        execl("/bin/true", "true", (char *)0);
        _exit(99);
    }
    waitpid(c, &st, 0);
    printf("vfork+exec: exit %d\n", WEXITSTATUS(st));

    /* posix_spawn of a missing program fails in the parent (glibc's child reports it through shared memory) */
    pid_t p;
    char *argv[] = {"x", NULL};
    int rc = posix_spawn(&p, "/nonexistent/program", NULL, NULL, argv, environ);
    printf("posix_spawn missing: %s\n", errname(rc));
    rc = posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ);
    waitpid(p, &st, 0);
    printf("posix_spawn true: %s, exit %d\n", errname(rc), WEXITSTATUS(st));

    /* clone(CLONE_VM) without CLONE_VFORK: the parent goes on at once; the child's store lands in our memory */
    size_t ss = 256 * 1024;
    char *stack = mmap(NULL, ss, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int arg = 42;
    shared_value = 0;
    c = clone(child_fn, stack + ss, CLONE_VM | SIGCHLD, &arg);
    SHOW(c > 0);
    waitpid(c, &st, 0);
    printf("clone(CLONE_VM): value %d, exit %d\n", shared_value, WEXITSTATUS(st));

    /* a mapping the clone child makes is the parent's too */
    static char *volatile made;
    c = vfork();
    if (c == 0) {
        made = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (made != MAP_FAILED) strcpy(made, "mapped by the child");
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("%s\n", made != MAP_FAILED ? made : "no mapping");
    return 0;
}
