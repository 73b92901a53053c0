/* seccomp RET_USER_NOTIF with SECCOMP_FILTER_FLAG_NEW_LISTENER: a thread's call waits while the supervisor
 * thread receives it (the data: nr, arch, args; the pid), checks it (ID_VALID), adds an fd (ADDFD), and replies
 * with a value, an error or CONTINUE; the errors of the ioctls; a second listener is EBUSY; poll readiness;
 * closing the listener makes the filter answer ENOSYS. */
#include "seccomp_common.h"
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>

static int lfd;
static volatile long result[8];
static volatile int result_errno[8];

static void *caller(void *a)
{
    long i = (long)a;
    errno = 0;
    result[i] = syscall(SYS_getpgid, i == 3 ? 0 : 1000 + i, 7);
    result_errno[i] = errno;
    return NULL;
}

static void recv_one(struct seccomp_notif *n)
{
    memset(n, 0, sizeof *n);
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, n));
    printf("  nr getpgid %d arch ok %d args %lld %lld pid is a thread of ours %d\n", n->data.nr == SYS_getpgid,
           n->data.arch == AUDIT_ARCH_X86_64, n->data.args[0], n->data.args[1], n->pid > 0);
}

static void notify(void)
{
    struct sock_filter f[] = { ON_NR(SYS_getpgid, SECCOMP_RET_USER_NOTIF) };
    lfd = install_flags(f, 4, SECCOMP_FILTER_FLAG_NEW_LISTENER);
    printf("listener %s, cloexec %d\n", lfd >= 0 ? "ok" : errname(errno), fcntl(lfd, F_GETFD) == FD_CLOEXEC);
    CHECK(install_flags(f, 4, SECCOMP_FILTER_FLAG_NEW_LISTENER)); /* one listener per chain */
    struct pollfd pfd = { lfd, POLLIN | POLLOUT, 0 };
    CHECK(poll(&pfd, 1, 0));

    /* 1: a value */
    pthread_t th;
    pthread_create(&th, NULL, caller, (void *)1);
    struct seccomp_notif n;
    struct seccomp_notif bad = { .id = 1 };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &bad)); /* must come zeroed */
    recv_one(&n);
    pfd.revents = 0;
    CHECK(poll(&pfd, 1, 0));
    printf("  revents 0x%x\n", pfd.revents);
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id));
    __u64 other = n.id + 100;
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &other));
    struct seccomp_notif_resp r = { .id = n.id, .val = 4321 };
    struct seccomp_notif_resp wrong = { .id = n.id, .val = 1, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &wrong));
    wrong.flags = 2;
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &wrong));
    wrong = (struct seccomp_notif_resp){ .id = other };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &wrong));
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &r));
    pthread_join(th, NULL);
    printf("  caller got %ld %s\n", result[1], errname(result_errno[1]));
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &r));    /* answered already */
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id));

    /* 2: an error */
    pthread_create(&th, NULL, caller, (void *)2);
    recv_one(&n);
    r = (struct seccomp_notif_resp){ .id = n.id, .error = -EROFS };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &r));
    pthread_join(th, NULL);
    printf("  caller got %ld %s\n", result[2], errname(result_errno[2]));

    /* 3: continue — the real getpgid(0) runs */
    pthread_create(&th, NULL, caller, (void *)3);
    recv_one(&n);
    r = (struct seccomp_notif_resp){ .id = n.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &r));
    pthread_join(th, NULL);
    printf("  caller got a pgid %d\n", result[3] > 0);

    /* 4: ADDFD, and ADDFD with SEND as the reply */
    pthread_create(&th, NULL, caller, (void *)4);
    recv_one(&n);
    int src = open("/dev/null", O_RDONLY);
    struct seccomp_notif_addfd ad = { .id = n.id, .srcfd = src, .flags = SECCOMP_ADDFD_FLAG_SETFD, .newfd = 77 };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &ad));
    CHECK(fcntl(77, F_GETFD));
    ad = (struct seccomp_notif_addfd){ .id = n.id, .srcfd = src, .newfd = 5 };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &ad));   /* newfd without SETFD */
    ad = (struct seccomp_notif_addfd){ .id = n.id, .srcfd = 999 };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &ad));
    ad = (struct seccomp_notif_addfd){ .id = n.id, .srcfd = src, .flags = SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND,
                                       .newfd = 78, .newfd_flags = O_CLOEXEC };
    CHECK(ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &ad));
    pthread_join(th, NULL);
    printf("  caller got %ld %s\n", result[4], errname(result_errno[4]));
    CHECK(fcntl(78, F_GETFD));
    CHECK(ioctl(lfd, 0x1234, 0));

    /* 5: the listener closes while a call waits; later calls get ENOSYS */
    pthread_create(&th, NULL, caller, (void *)5);
    recv_one(&n);
    close(lfd);
    pthread_join(th, NULL);
    printf("  caller got %ld %s\n", result[5], errname(result_errno[5]));
    caller((void *)6);
    printf("  after close: %ld %s\n", result[6], errname(result_errno[6]));
}

int main(void)
{
    in_child("notify", notify);
    return 0;
}
