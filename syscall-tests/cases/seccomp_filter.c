/* seccomp filters: the verifier's EINVALs (Linux's bpf_check_classic and seccomp_check_filter), the privilege
 * rule, flags, GET_ACTION_AVAIL/GET_NOTIF_SIZES, every action and their precedence across stacked filters, the
 * data seen (args, arch, instruction pointer), the path-length limit, inheritance by fork and exec, strict mode
 * (seccomp and prctl), PR_GET_SECCOMP and /proc/self/status. */
#include "seccomp_common.h"

static void status_lines(void)
{
    slurp("/proc/self/status");
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
        if (!strncmp(l, "Seccomp", 7) || !strncmp(l, "NoNewPrivs", 10)) printf("  %s\n", l);
}

static void verifier(void)
{
    struct sock_filter ok[] = { RET(SECCOMP_RET_ALLOW) };
    struct sock_fprog p = { 0, ok };
    CHECK(sc(SECCOMP_SET_MODE_FILTER, 0, &p));                      /* empty */
    static struct sock_filter big[BPF_MAXINSNS + 1];
    for (int i = 0; i <= BPF_MAXINSNS; i++) big[i] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    CHECK(install_flags(big, BPF_MAXINSNS + 1, 0));                  /* too long */
    CHECK(INSTALL(LD(NR_OFF)));                                      /* no final return */
    CHECK(INSTALL(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), RET(SECCOMP_RET_ALLOW))); /* jt out of range */
    CHECK(INSTALL(BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), RET(SECCOMP_RET_ALLOW)));          /* ja out of range */
    CHECK(INSTALL(LD(64), RET(SECCOMP_RET_ALLOW)));                  /* past struct seccomp_data */
    CHECK(INSTALL(LD(2), RET(SECCOMP_RET_ALLOW)));                   /* unaligned */
    CHECK(INSTALL(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET(SECCOMP_RET_ALLOW)));    /* byte load */
    CHECK(INSTALL(BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET(SECCOMP_RET_ALLOW)));    /* indirect load */
    CHECK(INSTALL(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET(SECCOMP_RET_ALLOW)));   /* mod */
    CHECK(INSTALL(BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(SECCOMP_RET_ALLOW)));   /* division by zero */
    CHECK(INSTALL(BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET(SECCOMP_RET_ALLOW)));  /* shift too far */
    CHECK(INSTALL(BPF_STMT(BPF_LD | BPF_MEM, 3), RET(SECCOMP_RET_ALLOW)));            /* scratch never stored */
    CHECK(INSTALL(BPF_STMT(BPF_ST, 16), RET(SECCOMP_RET_ALLOW)));                     /* scratch out of range */
    CHECK(INSTALL(BPF_STMT(0xffff, 0), RET(SECCOMP_RET_ALLOW)));                      /* unknown opcode */
    CHECK(INSTALL(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), RET(SECCOMP_RET_ALLOW))); /* ancillary */
    p.len = 1; p.filter = (void *)8;
    CHECK(sc(SECCOMP_SET_MODE_FILTER, 0, &p));                       /* instructions unreadable */
    CHECK(sc(SECCOMP_SET_MODE_FILTER, 0, (void *)8));                /* fprog unreadable */
    CHECK(install_flags(ok, 1, 1u << 10));                           /* unknown flag */
    CHECK(install_flags(ok, 1, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER));
    CHECK(install_flags(ok, 1, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
    CHECK(sc(99, 0, NULL));
    CHECK(sc(SECCOMP_SET_MODE_STRICT, 1, NULL));
    CHECK(sc(SECCOMP_SET_MODE_STRICT, 0, ok));
    /* A stored scratch word may be loaded, also across a jump where both paths store it. */
    CHECK(INSTALL(BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ST, 3), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 0),
                  BPF_STMT(BPF_LDX | BPF_MEM, 3), BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET(SECCOMP_RET_ALLOW)));
    CHECK(prctl(PR_GET_SECCOMP));
    status_lines();
}

static void privilege(void)
{
    /* No no_new_privs here and no CAP_SYS_ADMIN once not root. */
    pid_t p = fork();
    if (p == 0) {
        CHECK(setresuid(65534, 65534, 65534));
        CHECK(INSTALL(RET(SECCOMP_RET_ALLOW)));
        CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL));
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        CHECK(INSTALL(RET(SECCOMP_RET_ALLOW)));
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    report("unprivileged", st);
}

static void queries(void)
{
    unsigned acts[] = { SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
                        SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW,
                        SECCOMP_RET_ERRNO | 1, 0x00010000, 0x7fff0001 };
    for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        printf("action 0x%08x: ", acts[i]);
        CHECK(sc(SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]));
    }
    CHECK(sc(SECCOMP_GET_ACTION_AVAIL, 1, &acts[0]));
    CHECK(sc(SECCOMP_GET_ACTION_AVAIL, 0, NULL));
    struct seccomp_notif_sizes s;
    CHECK(sc(SECCOMP_GET_NOTIF_SIZES, 0, &s));
    printf("sizes %u %u %u\n", s.seccomp_notif, s.seccomp_notif_resp, s.seccomp_data);
    CHECK(sc(SECCOMP_GET_NOTIF_SIZES, 0, NULL));
    CHECK(sc(SECCOMP_GET_NOTIF_SIZES, 1, &s));
}

static void errno_actions(void)
{
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | 1)));
    CHECK(syscall(SYS_getppid));
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | 2)));
    CHECK(syscall(SYS_getppid));                        /* the newest of equal actions wins */
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | 3), RET(SECCOMP_RET_LOG)));
    CHECK(syscall(SYS_getppid));
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ALLOW)));
    CHECK(syscall(SYS_getppid));                        /* a later ALLOW does not override */
    CHECK(INSTALL(ON_NR(SYS_getpgid, SECCOMP_RET_ERRNO | 5000)));
    CHECK(syscall(SYS_getpgid, 0));                     /* capped at MAX_ERRNO */
    CHECK(INSTALL(ON_NR(SYS_getsid, SECCOMP_RET_ERRNO | 0)));
    CHECK(syscall(SYS_getsid, 0));                      /* errno 0: skipped, returns 0 */
    CHECK(INSTALL(ON_NR(SYS_setuid, SECCOMP_RET_TRACE)));
    CHECK(syscall(SYS_setuid, 0));                      /* no tracer */
    CHECK(INSTALL(ON_NR(SYS_setgid, SECCOMP_RET_USER_NOTIF)));
    CHECK(syscall(SYS_setgid, 0));                      /* no listener */
    CHECK(INSTALL(ON_NR(SYS_umask, SECCOMP_RET_LOG)));
    CHECK(umask(022));
    /* Arguments: dup(1000) fails with EXDEV, dup of another fd is allowed. Arch and instruction pointer. */
    CHECK(INSTALL(LD(NR_OFF), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_dup, 0, 3), LD(ARG0_OFF),
                  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1000, 0, 1), RET(SECCOMP_RET_ERRNO | EXDEV), RET(SECCOMP_RET_ALLOW)));
    CHECK(dup(1000));
    CHECK(syscall(SYS_dup, 1000 + (1ul << 32)));         /* the upper half is another word */
    CHECK_OK(dup(1));
    CHECK(INSTALL(LD(NR_OFF), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 3), LD(ARCH_OFF),
                  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1), RET(SECCOMP_RET_ERRNO | ENOTBLK), RET(SECCOMP_RET_ALLOW)));
    CHECK(syscall(SYS_getpriority, 0, 0));
    /* instruction_pointer: nonzero and in user space */
    CHECK(INSTALL(LD(NR_OFF), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 4),
                  LD(offsetof(struct seccomp_data, instruction_pointer) + 4), BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x8000, 1, 0),
                  RET(SECCOMP_RET_ERRNO | ENOTTY), RET(SECCOMP_RET_ERRNO | EDOM), RET(SECCOMP_RET_ALLOW)));
    CHECK(syscall(SYS_getpgrp));
    CHECK(prctl(PR_GET_SECCOMP));
    CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT));
    CHECK(prctl(PR_SET_SECCOMP, 7));
    status_lines();
    /* inherited by fork */
    pid_t p = fork();
    if (p == 0) { CHECK(syscall(SYS_getppid)); status_lines(); _exit(0); }
    int st;
    waitpid(p, &st, 0);
    report("fork child", st);
    /* kept across exec */
    p = fork();
    if (p == 0) { execl("/proc/self/exe", "seccomp_filter", "exec", NULL); _exit(99); }
    waitpid(p, &st, 0);
    report("exec child", st);
}

static void path_limit(void)
{
    static struct sock_filter big[BPF_MAXINSNS];
    for (int i = 0; i < BPF_MAXINSNS; i++) big[i] = (struct sock_filter)LD(NR_OFF);
    big[BPF_MAXINSNS - 1] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    for (int i = 0; i < 8; i++) CHECK(install_flags(big, BPF_MAXINSNS, 0));
    CHECK(INSTALL(RET(SECCOMP_RET_ALLOW)));
    CHECK(syscall(SYS_getppid) > 0);
}

static void kill_process(void) { INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_KILL_PROCESS)); syscall(SYS_getppid); printf("not reached\n"); }
static void kill_thread(void) { INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_KILL_THREAD)); syscall(SYS_getppid); printf("not reached\n"); }
static void unknown_action(void) { INSTALL(ON_NR(SYS_getppid, 0x00010000)); syscall(SYS_getppid); printf("not reached\n"); }
static void div_zero(void)
{
    /* A division by a zero X returns 0: KILL_THREAD. */
    INSTALL(LD(NR_OFF), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 3), BPF_STMT(BPF_LDX | BPF_IMM, 0),
            BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET(SECCOMP_RET_ALLOW), RET(SECCOMP_RET_ALLOW));
    syscall(SYS_getppid);
    printf("not reached\n");
}
static void kill_beats_errno(void)
{
    INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_KILL_PROCESS));
    INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | 1));
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void strict(void)
{
    CHECK(sc(SECCOMP_SET_MODE_STRICT, 0, NULL));
    write(1, "strict: write allowed\n", 22);
    char c;
    read(-1, &c, 1);
    syscall(SYS_exit, 3);
}
static void strict_getpid(void) { sc(SECCOMP_SET_MODE_STRICT, 0, NULL); syscall(SYS_getpid); write(1, "not reached\n", 12); }
static void strict_prctl(void) { prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT); prctl(PR_GET_SECCOMP); write(1, "not reached\n", 12); }
static void strict_exit_group(void) { prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 1234); syscall(SYS_exit_group, 4); }

int main(int argc, char **argv)
{
    if (argc > 1) {
        CHECK(syscall(SYS_getppid));
        CHECK(prctl(PR_GET_SECCOMP));
        return 0;
    }
    CHECK(prctl(PR_GET_SECCOMP));
    in_child("verifier", verifier);
    privilege();
    in_child("queries", queries);
    in_child("errno actions", errno_actions);
    in_child("path limit", path_limit);
    in_child("kill process", kill_process);
    in_child("kill thread (last)", kill_thread);
    in_child("unknown action", unknown_action);
    in_child("division by zero", div_zero);
    in_child("kill beats errno", kill_beats_errno);
    in_child("strict", strict);
    in_child("strict getpid", strict_getpid);
    in_child("strict prctl", strict_prctl);
    in_child("strict exit_group", strict_exit_group);
    return 0;
}
