/* O_ASYNC on a pipe: a write signals the read end's owner (plain SIGIO, or F_SETSIG's signal with si_fd and si_band),
 * a read the write end's; the fd in si_fd is the one O_ASYNC was set through, even after a dup or its close; F_SETSIG
 * 0 goes back to SIGIO; FIOASYNC is the same switch; F_SETOWN_EX names a thread; closing the last writer signals
 * the readers. Also F_GETLK's l_pid from a child PID namespace (0: the holder is outside). */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

static volatile int got_sig, got_fd, got_code;
static volatile long got_band;
static volatile pid_t got_tid;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_fd = si->si_fd;
    got_band = si->si_band;
    got_code = si->si_code;
    got_tid = (pid_t)syscall(SYS_gettid);
}

static void report(const char *what, int plain)
{
    printf("%s: ", what);
    if (!got_sig) {
        printf("no signal\n");
        return;
    }
    /* plain SIGIO's siginfo is unspecified: only the number */
    if (plain)
        printf("%s\n", got_sig == SIGIO ? "SIGIO" : "other");
    else
        printf("sig %s fd %d band %#lx code %d\n", got_sig == SIGIO ? "SIGIO" : got_sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2",
               got_fd, got_band, got_code);
    got_sig = 0;
}

static void set_async(int fd, int sig)
{
    fcntl(fd, F_SETOWN, getpid());
    fcntl(fd, F_SETSIG, sig);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

static void drain(int fd)
{
    char b[64];
    while (read(fd, b, sizeof b) > 0)
        ;
}

static int p[2];
static pthread_t main_thread;

static void *other_thread(void *arg)
{
    (void)arg;
    /* signals for the main thread are blocked here, so a thread-directed SIGUSR1 must go there */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    write(p[1], "t", 1);
    return NULL;
}

static int lock_child(void *path)
{
    int fd = open(path, O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    fcntl(fd, F_GETLK, &fl);
    printf("child in a new PID namespace: l_type %s l_pid %d\n", fl.l_type == F_WRLCK ? "F_WRLCK" : "other", fl.l_pid);
    return 0;
}

int main(void)
{
    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
    sigaction(SIGIO, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    pipe2(p, O_NONBLOCK);
    /* O_ASYNC without an owner: nothing */
    fcntl(p[0], F_SETFL, O_NONBLOCK | O_ASYNC);
    write(p[1], "x", 1);
    report("no owner", 0);
    drain(p[0]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);

    set_async(p[0], 0);
    write(p[1], "x", 1);
    report("default signal", 1);
    drain(p[0]);
    report("read of the read end", 0);

    set_async(p[0], SIGUSR1);
    write(p[1], "x", 1);
    report("F_SETSIG SIGUSR1", 0);
    set_async(p[0], SIGIO);
    write(p[1], "x", 1);
    report("F_SETSIG SIGIO", 0);
    drain(p[0]);

    /* the fd stays the one that set O_ASYNC */
    set_async(p[0], SIGUSR1);
    int d = dup(p[0]);
    set_async(d, SIGUSR2);
    write(p[1], "x", 1);
    report("dup registered after", 0);
    int old = p[0];
    close(old);
    write(p[1], "x", 1);
    report("old fd closed", 0);
    drain(d);
    /* clearing and setting again takes the new fd */
    fcntl(d, F_SETFL, O_NONBLOCK);
    write(p[1], "x", 1);
    report("O_ASYNC cleared", 0);
    drain(d);
    int on = 1;
    CHECK(ioctl(d, FIOASYNC, &on));
    write(p[1], "x", 1);
    report("FIOASYNC on (fd is the dup)", 0);
    SHOW(got_fd == d || got_fd == 0);
    drain(d);
    on = 0;
    CHECK(ioctl(d, FIOASYNC, &on));
    write(p[1], "x", 1);
    report("FIOASYNC off", 0);
    drain(d);

    /* the write end hears of reads */
    set_async(p[1], SIGUSR2);
    write(p[1], "x", 1);
    report("write end, after a write", 0);
    drain(d);
    report("write end, after a read", 0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);

    /* F_SETOWN_EX with a thread: the signal goes to that thread even when another causes it */
    main_thread = pthread_self();
    struct f_owner_ex ex = {.type = F_OWNER_TID, .pid = (pid_t)syscall(SYS_gettid)};
    CHECK(fcntl(d, F_SETOWN_EX, &ex));
    fcntl(d, F_SETSIG, SIGUSR1);
    fcntl(d, F_SETFL, O_NONBLOCK | O_ASYNC);
    pthread_t th;
    pthread_create(&th, NULL, other_thread, NULL);
    pthread_join(th, NULL);
    SHOW(got_tid == ex.pid);
    report("F_OWNER_TID", 0);
    drain(d);

    /* closing the last writer tells the readers */
    close(p[1]);
    report("last writer closed", 0);
    close(d);

    /* F_GETLK from a child PID namespace */
    const char *path = scratch_path("getlk");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK(fcntl(fd, F_SETLK, &fl));
    static char stack[1 << 16];
    pid_t c = clone(lock_child, stack + sizeof stack, CLONE_NEWPID | SIGCHLD, (void *)path);
    if (c < 0)
        printf("clone: %s\n", errname(errno));
    else {
        int st;
        waitpid(c, &st, 0);
        printf("child exit %d\n", WEXITSTATUS(st));
    }
    unlink(path);
    return 0;
}
