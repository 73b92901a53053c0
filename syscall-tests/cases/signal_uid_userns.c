/* si_uid crosses user namespaces as Linux's userns_fixup_signal_uid. A process P (uid 1000) and its child C, which
 * made a user namespace where it is uid 0 (kernel uid 1000): P's signals read in C as uid 0, C's read in P as 1000,
 * rt_sigqueueinfo's own si_uid is C's namespace's (0 → 1000; one unmapped there → the overflow uid); waitid's
 * si_uid is the waiter's view. */
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static volatile int got_uid[65] = {[0 ... 64] = -1}, got_code[65];

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_code[sig] = si->si_code;
    got_uid[sig] = (int)si->si_uid;
}

static void wait_signal(int sig)
{
    for (int i = 0; i < 500 && got_uid[sig] < 0; i++)
        usleep(10000);
}

static void write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (write(fd, s, strlen(s)) < 0)
        printf("write %s: %s\n", base_name(path), errname(errno));
    close(fd);
}

static void sigqueue_uid(pid_t to, int sig, uid_t uid)
{
    siginfo_t si = {0};
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_uid = uid;
    si.si_pid = getpid();
    syscall(SYS_rt_sigqueueinfo, to, sig, &si);
}

static int p_side(void)
{
    int go[2], ready[2];
    pipe(go);
    pipe(ready);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        if (unshare(CLONE_NEWUSER) != 0)
            _exit(1);
        write(ready[1], "u", 1);
        char x;
        read(go[0], &x, 1); /* maps written */
        write(ready[1], "m", 1);
        wait_signal(SIGUSR1);
        int uid = getuid(), from_p = got_uid[SIGUSR1];
        kill(parent, SIGUSR1);
        sigqueue_uid(parent, SIGUSR2, 0);
        usleep(100000);
        sigqueue_uid(parent, SIGRTMIN, 5);
        /* what C saw, as the exit status: its uid and P's si_uid (both 0 expected; 9 for anything else) */
        _exit((uid == 0 ? 0 : 1) | (from_p == 0 ? 0 : from_p == 65534 ? 2 : 4));
    }
    char x;
    read(ready[0], &x, 1);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", c);
    write_file(path, "0 1000 1\n");
    snprintf(path, sizeof path, "/proc/%d/setgroups", c);
    write_file(path, "deny\n");
    snprintf(path, sizeof path, "/proc/%d/gid_map", c);
    write_file(path, "0 1000 1\n");
    write(go[1], "g", 1);
    read(ready[0], &x, 1);
    kill(c, SIGUSR1);
    wait_signal(SIGUSR1);
    wait_signal(SIGUSR2);
    wait_signal(SIGRTMIN);
    siginfo_t info;
    waitid(P_PID, c, &info, WEXITED);
    printf("C's status (0: uid 0 inside, P's signal read as uid 0): %d\n", info.si_status);
    printf("P: kill from C: si_uid %d code %d\n", got_uid[SIGUSR1], got_code[SIGUSR1]);
    printf("P: rt_sigqueueinfo si_uid 0 from C: si_uid %d code %d\n", got_uid[SIGUSR2], got_code[SIGUSR2]);
    printf("P: rt_sigqueueinfo si_uid 5 from C: si_uid %d\n", got_uid[SIGRTMIN]);
    printf("P: waitid si_uid %d\n", (int)info.si_uid);
    return 0;
}

int main(void)
{
    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGRTMIN, &sa, NULL);
    pid_t p = fork();
    if (p == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
            _exit(1);
        prctl(PR_SET_DUMPABLE, 1); /* else C's /proc files are root's, and its maps not P's to write */
        _exit(p_side());
    }
    siginfo_t info;
    waitid(P_PID, p, &info, WEXITED);
    printf("root: waitid of P si_uid %d status %d\n", (int)info.si_uid, info.si_status);
    return 0;
}
