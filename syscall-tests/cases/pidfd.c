/* pidfds: pidfd_open and clone3's CLONE_PIDFD name a process; pidfd_send_signal signals it (with Linux's checks);
 * the fd polls readable once the process has exited, and signals to it fail with ESRCH once it is reaped. */
#include "common.h"
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/mman.h>
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int send_sig(int fd, int sig, siginfo_t *info) { return syscall(SYS_pidfd_send_signal, fd, sig, info, 0); }

int main(void)
{
    int self = pidfd_open(getpid(), 0);
    SHOW(self >= 0);
    CHECK(fcntl(self, F_GETFD));
    CHECK(send_sig(self, 0, NULL));
    CHECK(pidfd_open(getpid(), 1));
    CHECK(pidfd_open(-1, 0));
    CHECK(pidfd_open(999999, 0));
    CHECK(send_sig(0, 0, NULL)); /* stdin: not a pidfd */

    /* a child through pidfd_open: poll says running, SIGTERM through the fd ends it, then it polls readable */
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    int fd = pidfd_open(c, 0);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK(poll(&p, 1, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1; /* not the signal sent */
    si.si_code = SI_QUEUE;
    CHECK(send_sig(fd, SIGTERM, &si));
    si.si_signo = SIGTERM;
    si.si_code = SI_USER; /* forging a kernel code for another process */
    CHECK(send_sig(fd, SIGTERM, &si));
    CHECK(send_sig(fd, SIGTERM, NULL));
    CHECK(poll(&p, 1, 5000));
    SHOW(p.revents == POLLIN);
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    CHECK(send_sig(fd, 0, NULL)); /* a zombie still takes signals */
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    SHOW(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CHECK(send_sig(fd, 0, NULL));
    close(fd);

    /* clone3 with CLONE_PIDFD */
    int cfd = -1;
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_PIDFD;
    ca.exit_signal = SIGCHLD;
    ca.pidfd = (unsigned long)&cfd;
    c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0) {
        pause();
        _exit(0);
    }
    SHOW(c > 0 && cfd >= 0);
    CHECK(fcntl(cfd, F_GETFD));
    CHECK(send_sig(cfd, SIGKILL, NULL));
    CHECK(waitpid(c, &st, 0) == c);
    SHOW(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* clone3 whose pidfd slot is not writable fails with EFAULT and makes no child */
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ca.pidfd = (unsigned long)ro;
    c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0) _exit(0);
    printf("clone3 read-only pidfd slot: %s\n", c < 0 ? errname(errno) : "child made");
    CHECK(waitpid(-1, &st, WNOHANG));
    munmap(ro, 4096);

    /* waitid(P_PIDFD): exits and stops of the pidfd's child; a non-blocking pidfd answers EAGAIN */
    ca.pidfd = (unsigned long)&cfd;
    c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0) {
        kill(getpid(), SIGSTOP);
        _exit(66);
    }
    siginfo_t wi;
    memset(&wi, 0, sizeof wi);
    CHECK(waitid(P_PIDFD, cfd, &wi, WSTOPPED));
    printf("stopped: code %d status %d pid ok %d\n", wi.si_code, wi.si_status, wi.si_pid == c);
    int nb = CHECK_OK(syscall(SYS_pidfd_open, c, PIDFD_NONBLOCK));
    CHECK(waitid(P_PIDFD, nb, &wi, WEXITED));
    CHECK(kill(c, SIGCONT));
    memset(&wi, 0, sizeof wi);
    CHECK(waitid(P_PIDFD, cfd, &wi, WEXITED));
    printf("exited: code %d status %d pid ok %d\n", wi.si_code, wi.si_status, wi.si_pid == c);
    CHECK(waitid(P_PIDFD, cfd, &wi, WEXITED));
    CHECK(waitid(P_PIDFD, 1000, &wi, WEXITED));
    CHECK(waitid(P_PIDFD, 0, &wi, WEXITED | WNOHANG));
    close(nb);
    close(cfd);

    /* a /proc/[pid] directory's fd is a pidfd for pidfd_send_signal; a task/[tid] one or another file is not */
    int procfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    CHECK(send_sig(procfd, 0, NULL));
    char tpath[64];
    snprintf(tpath, sizeof tpath, "/proc/self/task/%d", (int)syscall(SYS_gettid));
    int taskfd = open(tpath, O_RDONLY | O_DIRECTORY);
    CHECK(send_sig(taskfd, 0, NULL));
    int statfd = open("/proc/self/status", O_RDONLY);
    CHECK(send_sig(statfd, 0, NULL));
    CHECK(syscall(SYS_pidfd_getfd, procfd, 0, 0));
    return 0;
}
