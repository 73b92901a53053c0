/* System V message queues: msgsnd/msgrcv with every msgtyp mode, MSG_EXCEPT, MSG_NOERROR, E2BIG, MSG_COPY, the
 * msg_qbytes limit, blocking senders and receivers woken by the other side, interrupted by signals (EINTR even with
 * SA_RESTART) and by IPC_RMID (EIDRM), msgctl's commands, permissions and /proc/sysvipc/msg.
 * Everything made here is IPC_PRIVATE or removed. */
#include "common.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>

struct m { long type; char text[8200]; };

static int snd(int id, long type, const char *text, int flg)
{
    struct m b;
    b.type = type;
    strcpy(b.text, text);
    return msgsnd(id, &b, strlen(text), flg);
}

static void rcv(int id, size_t sz, long typ, int flg)
{
    struct m b;
    memset(&b, 0, sizeof b);
    long n = msgrcv(id, &b, sz, typ, flg);
    if (n < 0)
        printf("msgrcv(%zu, %ld, %#x) = -1 %s\n", sz, typ, flg, errname(errno));
    else
        printf("msgrcv(%zu, %ld, %#x) = %ld type %ld \"%.*s\"\n", sz, typ, flg, n, b.type, (int)n, b.text);
}

static void stat_q(int id)
{
    struct msqid_ds ds;
    if (msgctl(id, IPC_STAT, &ds) < 0) {
        printf("IPC_STAT: %s\n", errname(errno));
        return;
    }
    printf("qnum=%lu cbytes=%lu qbytes=%lu mode=%o\n", ds.msg_qnum, ds.__msg_cbytes, ds.msg_qbytes, ds.msg_perm.mode);
}

/* Waits until the child sleeps in the queue: nothing to observe it by but time and its state in /proc. */
static void wait_sleeping(pid_t c)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    for (int i = 0; i < 5000; i++) {
        slurp(path);
        char *p = strrchr(buf, ')');
        if (p && p[2] == 'S')
            break;
        usleep(1000);
    }
    usleep(20000);
}

static void on_alarm(int s) { (void)s; }

int main(void)
{
    printf("-- get --\n");
    int id = CHECK_OK(msgget(IPC_PRIVATE, 0640));
    stat_q(id);
    key_t key = 0x41520000 + (getpid() & 0xffff);
    int kid = CHECK_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    CHECK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    SHOW(msgget(key, 0) == kid);
    CHECK(msgctl(kid, IPC_RMID, NULL));
    CHECK(msgget(key, 0));

    printf("-- send --\n");
    CHECK(snd(id, 0, "zero", 0));
    CHECK(snd(id, -1, "neg", 0));
    struct m big = { 1 };
    CHECK(msgsnd(id, &big, 8193, 0));
    CHECK(msgsnd(id, &big, (size_t)-1, 0));
    CHECK(msgsnd(id, NULL, 1, 0));
    CHECK(msgsnd(-1, &big, 1, 0));
    CHECK(msgsnd(id ^ 0x8000, &big, 1, 0));
    CHECK(snd(id, 1, "one", 0));
    CHECK(snd(id, 2, "two", 0));
    CHECK(snd(id, 3, "three", 0));
    CHECK(snd(id, 2, "two again", 0));
    CHECK(snd(id, 5, "", 0));
    stat_q(id);
    struct msqid_ds ds;
    msgctl(id, IPC_STAT, &ds);
    printf("lspid_is_me=%d lrpid=%d stime_set=%d rtime=%ld\n", ds.msg_lspid == getpid(), ds.msg_lrpid, ds.msg_stime != 0, (long)ds.msg_rtime);

    printf("-- receive --\n");
    rcv(id, 100, 0, MSG_COPY | IPC_NOWAIT);
    rcv(id, 100, 3, MSG_COPY | IPC_NOWAIT);
    rcv(id, 100, 9, MSG_COPY | IPC_NOWAIT);
    rcv(id, 100, 0, MSG_COPY);
    rcv(id, 100, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT);
    rcv(id, 2, 1, MSG_COPY | IPC_NOWAIT);
    rcv(id, 2, 1, MSG_COPY | MSG_NOERROR | IPC_NOWAIT);
    rcv(id, 100, 2, 0);
    rcv(id, 100, -3, 0);
    rcv(id, 100, 2, MSG_EXCEPT);
    rcv(id, 3, 2, 0);
    rcv(id, 3, 2, MSG_NOERROR);
    stat_q(id);
    rcv(id, 100, 4, IPC_NOWAIT);
    rcv(id, 100, -4, IPC_NOWAIT);
    rcv(id, 0, 0, 0);
    rcv(id, 100, 0, IPC_NOWAIT);
    rcv(id, (size_t)-1, 0, IPC_NOWAIT);
    CHECK(msgrcv(-1, &big, 10, 0, IPC_NOWAIT));
    CHECK(snd(id, 7, "seven", 0));
    CHECK(msgrcv(id, (void *)1, 10, 0, IPC_NOWAIT));
    rcv(id, 100, 0, IPC_NOWAIT);
    msgctl(id, IPC_STAT, &ds);
    printf("lrpid_is_me=%d rtime_set=%d\n", ds.msg_lrpid == getpid(), ds.msg_rtime != 0);
    snd(id, 4, "a", 0); snd(id, 6, "b", 0); snd(id, 4, "c", 0); snd(id, 1, "d", 0);
    rcv(id, 100, -5, 0);
    rcv(id, 100, -5, 0);
    rcv(id, 100, -5, 0);
    rcv(id, 100, -0x7fffffffffffffffL - 1, 0);

    printf("-- limit --\n");
    ds.msg_qbytes = 100;
    CHECK(msgctl(id, IPC_SET, &ds));
    stat_q(id);
    char sixty[61];
    memset(sixty, 'x', 60);
    sixty[60] = 0;
    CHECK(snd(id, 1, sixty, 0));
    CHECK(snd(id, 1, sixty, IPC_NOWAIT));
    pid_t c = fork();
    if (c == 0) {
        printf("child send = %d\n", snd(id, 2, sixty, 0));
        _exit(0);
    }
    wait_sleeping(c);
    long got = msgrcv(id, &big, 100, 1, 0);
    int st;
    waitpid(c, &st, 0);
    printf("received %ld\n", got);
    stat_q(id);
    rcv(id, 100, 0, IPC_NOWAIT);
    ds.msg_qbytes = 3;
    CHECK(msgctl(id, IPC_SET, &ds));
    CHECK(snd(id, 1, "a", 0));
    CHECK(snd(id, 1, "", 0));
    CHECK(snd(id, 1, "", 0));
    CHECK(snd(id, 1, "", IPC_NOWAIT));
    rcv(id, 10, 0, 0); rcv(id, 10, 0, 0); rcv(id, 10, 0, 0);
    ds.msg_qbytes = 16384;
    CHECK(msgctl(id, IPC_SET, &ds));

    printf("-- blocking receive --\n");
    c = fork();
    if (c == 0) {
        rcv(id, 100, 9, 0);
        _exit(0);
    }
    wait_sleeping(c);
    CHECK(snd(id, 8, "not for it", 0));
    int sent = snd(id, 9, "for it", 0);
    waitpid(c, &st, 0);
    printf("sent: %d\n", sent);
    rcv(id, 100, 0, IPC_NOWAIT);
    c = fork();
    if (c == 0) {
        rcv(id, 2, 0, 0);
        _exit(0);
    }
    wait_sleeping(c);
    sent = snd(id, 1, "too long", 0);
    waitpid(c, &st, 0);
    printf("sent: %d\n", sent);
    rcv(id, 100, 0, IPC_NOWAIT);

    printf("-- signals --\n");
    struct sigaction sa = { .sa_handler = on_alarm };
    for (int restart = 0; restart < 2; restart++) {
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGALRM, &sa, NULL);
        c = fork();
        if (c == 0) {
            alarm(1);
            struct m b;
            long r = msgrcv(id, &b, 10, 0, 0);
            printf("child (SA_RESTART=%d) msgrcv = %ld %s\n", restart, r, errname(errno));
            _exit(0);
        }
        waitpid(c, &st, 0);
    }
    /* A stop and continue (no handler runs) restarts the call. */
    c = fork();
    if (c == 0) {
        rcv(id, 100, 0, 0);
        _exit(0);
    }
    wait_sleeping(c);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    kill(c, SIGCONT);
    usleep(50000);
    sent = snd(id, 3, "after stop", 0);
    waitpid(c, &st, 0);
    printf("sent: %d\n", sent);

    printf("-- info --\n");
    struct msginfo mi;
    SHOW(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
    printf("msgmax=%d msgmnb=%d msgmni=%d msgssz=%d msgseg=%d msgpool=%d msgmap=%d msgtql=%d\n",
           mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg, mi.msgpool, mi.msgmap, mi.msgtql);
    SHOW(msgctl(0, MSG_INFO, (struct msqid_ds *)&mi) >= 0);
    SHOW(mi.msgpool >= 1);
    SHOW(msgctl(id & 0x7fff, MSG_STAT, &ds) == id);
    SHOW(msgctl(id & 0x7fff, MSG_STAT_ANY, &ds) == id);
    CHECK(msgctl(id, 99, &ds));
    CHECK(msgctl(id, IPC_STAT, (void *)1));
    CHECK(snd(id, 4, "abc", 0));
    slurp("/proc/sysvipc/msg");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        int k, qid;
        unsigned mode;
        unsigned long cbytes, qnum;
        if (strstr(line, "msqid"))
            printf("header: %s\n", line);
        else if (sscanf(line, "%d %d %o %lu %lu", &k, &qid, &mode, &cbytes, &qnum) == 5 && qid == id)
            printf("proc: key=%d perms=%o cbytes=%lu qnum=%lu\n", k, mode, cbytes, qnum);
    }
    slurp("/proc/sys/kernel/msgmax"); printf("msgmax: %s", buf);
    slurp("/proc/sys/kernel/msgmnb"); printf("msgmnb: %s", buf);
    slurp("/proc/sys/kernel/msgmni"); printf("msgmni: %s", buf);

    printf("-- permissions --\n");
    c = fork();
    if (c == 0) {
        CHECK(setresuid(4321, 4321, 4321));
        CHECK(snd(id, 1, "x", IPC_NOWAIT));
        rcv(id, 10, 0, IPC_NOWAIT);
        CHECK(msgctl(id, IPC_STAT, &ds));
        CHECK(msgctl(id, IPC_RMID, NULL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    ds.msg_perm.mode = 0644;
    ds.msg_qbytes = 16384;
    CHECK(msgctl(id, IPC_SET, &ds));
    c = fork();
    if (c == 0) {
        CHECK(setresuid(4321, 4321, 4321));
        CHECK(snd(id, 1, "x", IPC_NOWAIT));
        rcv(id, 10, 0, MSG_COPY | IPC_NOWAIT);
        _exit(0);
    }
    waitpid(c, &st, 0);

    printf("-- removal --\n");
    c = fork();
    if (c == 0) {
        rcv(id, 100, 99, 0);
        _exit(0);
    }
    wait_sleeping(c);
    // The woken receiver prints its EIDRM: print the removal's result after it, in one order on every run.
    int removed = msgctl(id, IPC_RMID, NULL);
    waitpid(c, &st, 0);
    printf("msgctl(id, IPC_RMID, NULL) = %d\n", removed);
    CHECK(snd(id, 1, "gone", 0));
    CHECK(msgctl(id, IPC_STAT, &ds));
    return 0;
}
