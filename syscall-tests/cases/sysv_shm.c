/* System V shared memory: shmget's key rules, shmat's address rules, attach counting (fork, split, exec,
 * detach), IPC_RMID while attached, permissions, the *_INFO/*_STAT commands and /proc/sysvipc/shm.
 * Everything created here is IPC_PRIVATE or removed before exit. */
#include "common.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

static int nattch(int id)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0)
        return -errno;
    return (int)ds.shm_nattch;
}

/* The /proc/sysvipc/shm line of id: perms, size, nattch (pids and times vary). */
static void proc_line(int id)
{
    slurp("/proc/sysvipc/shm");
    char *line = strtok(buf, "\n");
    int header = 1;
    while (line) {
        if (header) {
            printf("header: %s\n", line);
            header = 0;
        } else {
            int key, sid, cpid, lpid;
            unsigned mode, uid, gid, cuid, cgid;
            unsigned long size, n, rss, swap;
            long long at, dt, ct;
            if (sscanf(line, "%d %d %o %lu %d %d %lu %u %u %u %u %lld %lld %lld %lu %lu", &key, &sid, &mode, &size, &cpid,
                       &lpid, &n, &uid, &gid, &cuid, &cgid, &at, &dt, &ct, &rss, &swap) == 16 && sid == id)
                printf("proc: key=%d perms=%o size=%lu nattch=%lu cpid_is_me=%d uid=%u rss=%lu swap=%lu\n", key, mode, size,
                       n, cpid == getpid(), uid, rss, swap);
        }
        line = strtok(NULL, "\n");
    }
}

static void maps_has_sysv(void)
{
    slurp("/proc/self/maps");
    SHOW(strstr(buf, "/SYSV00000000 (deleted)") != NULL);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        /* The exec'd image has none of the attaches its caller had. */
        int id = atoi(argv[2]);
        printf("after exec: nattch=%d\n", nattch(id));
        return 0;
    }

    printf("-- get --\n");
    CHECK(shmget(IPC_PRIVATE, 0, 0600));
    CHECK(shmget(IPC_PRIVATE, (size_t)-1, 0600));
    int id = CHECK_OK(shmget(IPC_PRIVATE, 10000, 0640));
    struct shmid_ds ds;
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("segsz=%zu mode=%o nattch=%lu key=%d cpid_is_me=%d lpid=%d atime=%ld dtime=%ld ctime_set=%d uid_ok=%d\n",
           ds.shm_segsz, ds.shm_perm.mode, ds.shm_nattch, ds.shm_perm.__key, ds.shm_cpid == getpid(), ds.shm_lpid,
           (long)ds.shm_atime, (long)ds.shm_dtime, ds.shm_ctime != 0,
           ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid() && ds.shm_perm.gid == getegid());

    key_t key = 0x41500000 + (getpid() & 0xffff);
    int kid = CHECK_OK(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600));
    CHECK(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600));
    SHOW(shmget(key, 0, 0) == kid);
    SHOW(shmget(key, 100, IPC_CREAT | 0600) == kid);
    CHECK(shmget(key, 8193, 0));
    CHECK(shmget(key + 1, 100, 0));
    CHECK(shmctl(kid, IPC_RMID, NULL));
    CHECK(shmget(key, 0, 0));
    CHECK(shmctl(kid, IPC_STAT, &ds));

    printf("-- attach --\n");
    char *p = CHECK_PTR(shmat(id, NULL, 0));
    strcpy(p, "hello shm");
    p[9999] = 'z';
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("nattch=%lu lpid_is_me=%d atime_set=%d\n", ds.shm_nattch, ds.shm_lpid == getpid(), ds.shm_atime != 0);
    maps_has_sysv();
    char *r = CHECK_PTR(shmat(id, NULL, SHM_RDONLY));
    printf("ro sees: %s %c\n", r, r[9999]);
    printf("nattch=%d\n", nattch(id));
    CHECK(mprotect(r, 4096, PROT_READ | PROT_WRITE));
    CHECK(shmdt(r));
    CHECK(shmdt(r));
    CHECK(shmdt(p + 1));
    CHECK(shmdt(p + 4096));
    printf("nattch=%d\n", nattch(id));

    printf("-- addresses --\n");
    char *area = mmap(NULL, 5 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_PTR(shmat(id, area + 100, 0));
    CHECK_PTR(shmat(id, area, 0));
    CHECK_PTR(shmat(id, NULL, SHM_REMAP));
    CHECK_PTR(shmat(id, (void *)100, SHM_RND | SHM_REMAP));
    char *q = shmat(id, area + 100, SHM_RND | SHM_REMAP);
    SHOW(q == area);
    printf("remapped sees: %s\n", q);
    printf("nattch=%d\n", nattch(id));
    CHECK(shmdt(q));
    munmap(area, 5 * 4096);
    area = mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(area, 5 * 4096);
    q = shmat(id, area + 4096 + 5, SHM_RND);
    SHOW(q == area + 4096);
    CHECK(shmdt(q));

    printf("-- split --\n");
    q = CHECK_PTR(shmat(id, NULL, 0));
    printf("nattch=%d\n", nattch(id));
    CHECK(mprotect(q + 4096, 4096, PROT_READ));
    printf("after mprotect split: nattch=%d\n", nattch(id));
    CHECK(munmap(q + 8192, 4096));
    printf("after munmap of the tail: nattch=%d\n", nattch(id));
    CHECK(shmdt(q));
    printf("after shmdt: nattch=%d\n", nattch(id));
    q = CHECK_PTR(shmat(id, NULL, 0));
    CHECK(munmap(q, 4096));
    CHECK(shmdt(q));
    printf("shmdt of an attach whose head is gone: nattch=%d\n", nattch(id));

    printf("-- fork --\n");
    pid_t c = fork();
    if (c == 0) {
        printf("child nattch=%d sees: %s\n", nattch(id), p);
        strcpy(p, "from child");
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("parent sees: %s nattch=%d\n", p, nattch(id));
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("dtime_set=%d lpid_is_child=%d\n", ds.shm_dtime != 0, ds.shm_lpid == c);

    printf("-- exec --\n");
    c = fork();
    if (c == 0) {
        shmat(id, NULL, 0);
        printf("child before exec: nattch=%d\n", nattch(id));
        char ids[16];
        snprintf(ids, sizeof ids, "%d", id);
        execl("/proc/self/exe", argv[0], "after-exec", ids, (char *)NULL);
        _exit(1);
    }
    waitpid(c, &st, 0);
    printf("exit status %d, nattch=%d\n", WEXITSTATUS(st), nattch(id));

    printf("-- info --\n");
    struct shminfo si;
    SHOW(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0);
    printf("shmmax=%lu shmmin=%lu shmmni=%lu shmseg=%lu shmall=%lu\n", si.shmmax, si.shmmin, si.shmmni, si.shmseg, si.shmall);
    struct shm_info sinfo;
    SHOW(shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo) >= 0);
    SHOW(sinfo.used_ids >= 1);
    SHOW(shmctl(id & 0x7fff, SHM_STAT, &ds) == id);
    SHOW(shmctl(id & 0x7fff, SHM_STAT_ANY, &ds) == id);
    CHECK(shmctl(id, SHM_STAT + 100, &ds));
    CHECK(shmctl(-1, IPC_STAT, &ds));
    CHECK(shmctl(id, -1, &ds));
    CHECK(shmctl(id, IPC_STAT, (void *)1));
    CHECK(shmctl(id ^ 0x8000, IPC_STAT, &ds));
    CHECK(shmctl(id, SHM_LOCK, NULL));
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("locked mode=%o\n", ds.shm_perm.mode);
    CHECK(shmctl(id, SHM_UNLOCK, NULL));
    proc_line(id);
    slurp("/proc/sys/kernel/shmmax"); printf("shmmax: %s", buf);
    slurp("/proc/sys/kernel/shmall"); printf("shmall: %s", buf);
    slurp("/proc/sys/kernel/shmmni"); printf("shmmni: %s", buf);

    printf("-- permissions --\n");
    ds.shm_perm.mode = 0604;
    ds.shm_perm.uid = 1234;
    CHECK(shmctl(id, IPC_SET, &ds));
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("mode=%o uid=%u cuid_is_me=%d\n", ds.shm_perm.mode, ds.shm_perm.uid, ds.shm_perm.cuid == geteuid());
    c = fork();
    if (c == 0) {
        CHECK(setresuid(4321, 4321, 4321));
        CHECK_PTR(shmat(id, NULL, 0));
        void *ro = CHECK_PTR(shmat(id, NULL, SHM_RDONLY));
        CHECK(shmdt(ro));
        CHECK(shmctl(id, IPC_STAT, &ds));
        CHECK(shmctl(id, IPC_SET, &ds));
        CHECK(shmctl(id, IPC_RMID, NULL));
        CHECK(shmctl(id, SHM_LOCK, NULL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    ds.shm_perm.mode = 0;
    ds.shm_perm.uid = 4321;
    CHECK(shmctl(id, IPC_SET, &ds));
    c = fork();
    if (c == 0) {
        CHECK(setresuid(4321, 4321, 4321));
        CHECK(shmctl(id, IPC_STAT, &ds));
        SHOW(shmctl(id & 0x7fff, SHM_STAT_ANY, &ds) == id);
        CHECK(shmctl(id, SHM_UNLOCK, NULL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    ds.shm_perm.uid = (uid_t)-1;
    CHECK(shmctl(id, IPC_SET, &ds));
    ds.shm_perm.uid = 0;
    ds.shm_perm.mode = 0600;
    CHECK(shmctl(id, IPC_SET, &ds));

    printf("-- remove while attached --\n");
    CHECK(shmctl(id, IPC_RMID, NULL));
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("mode=%o key=%d nattch=%lu\n", ds.shm_perm.mode, ds.shm_perm.__key, ds.shm_nattch);
    printf("still reads: %s\n", p);
    c = fork();
    if (c == 0) {
        printf("child sees: %s nattch=%d\n", p, nattch(id));
        _exit(0);
    }
    waitpid(c, &st, 0);
    char *again = CHECK_PTR(shmat(id, NULL, 0));
    printf("nattch=%d\n", nattch(id));
    CHECK(shmdt(again));
    CHECK(shmdt(p));
    CHECK(shmctl(id, IPC_STAT, &ds));
    CHECK_PTR(shmat(id, NULL, 0));
    return 0;
}
