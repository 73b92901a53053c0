/* NUMA policy calls on this one-node machine (the sandbox is one node; the test host is one node too):
 * set_mempolicy/get_mempolicy round trips and their checks (modes, flags, node masks and get_nodes' maxnode-1
 * bits), mbind on ranges (EFAULT for holes, EINVAL for misaligned starts, policy read back by address), and the
 * argument checks of migrate_pages, move_pages and set_mempolicy_home_node. */
#include "common.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2
#define MPOL_MF_MOVE_ALL 4

static long getp(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags)
{
    return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}
static long setp(int mode, unsigned long *mask, unsigned long maxnode)
{
    return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}
static long mbind_(void *a, unsigned long len, int mode, unsigned long *mask, unsigned long maxnode, unsigned flags)
{
    return syscall(SYS_mbind, a, len, mode, mask, maxnode, flags);
}

static void show(const char *what)
{
    int mode = -1;
    unsigned long mask[2] = { 99, 99 };
    long r = getp(&mode, mask, 128, NULL, 0);
    printf("%s: r=%ld mode=%#x mask=%lx,%lx\n", what, r, mode, mask[0], mask[1]);
}

int main(void)
{
    unsigned long node0 = 1, node1 = 2, none = 0, big[20] = { 0 };
    int mode = -1;
    unsigned long mask[4] = { 7, 7, 7, 7 };

    puts("-- get_mempolicy");
    show("initial");
    CHECK(getp(&mode, mask, 0, NULL, 0));
    CHECK(getp(&mode, mask, 2, NULL, 8));
    CHECK(getp(&mode, mask, 2, (void *)4096, 0));
    CHECK(getp(&mode, mask, 2, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE));
    CHECK(getp(&mode, mask, 200, NULL, MPOL_F_MEMS_ALLOWED));
    printf("allowed: mode=%d mask=%lx,%lx,%lx\n", mode, mask[0], mask[1], mask[2]);
    CHECK(getp(&mode, NULL, 0, NULL, MPOL_F_NODE));
    CHECK(getp((int *)8, NULL, 0, NULL, 0));
    CHECK(getp(&mode, (unsigned long *)8, 64, NULL, 0));
    CHECK(getp(&mode, mask, 64 * 4096 + 2, NULL, 0));
    CHECK(getp(&mode, NULL, 0, (void *)8, MPOL_F_ADDR));

    puts("-- set_mempolicy");
    CHECK(setp(MPOL_BIND, &node0, 1));
    CHECK(setp(MPOL_BIND, &node0, 2));
    show("bind 0");
    CHECK(setp(MPOL_INTERLEAVE, &node0, 64));
    show("interleave");
    mode = -1;
    CHECK(getp(&mode, NULL, 0, NULL, MPOL_F_NODE));
    printf("next interleave node %d\n", mode);
    CHECK(setp(MPOL_PREFERRED, &none, 64));
    show("preferred, no nodes");
    CHECK(setp(MPOL_PREFERRED, &node0, 64));
    show("preferred 0");
    CHECK(setp(MPOL_LOCAL, NULL, 0));
    show("local");
    CHECK(setp(MPOL_LOCAL, &node0, 64));
    CHECK(setp(MPOL_DEFAULT, &node0, 64));
    CHECK(setp(MPOL_BIND, &none, 64));
    CHECK(setp(MPOL_BIND, &node1, 64));
    CHECK(setp(MPOL_BIND, &node1, 2));
    show("after failures");
    CHECK(setp(MPOL_BIND | MPOL_F_STATIC_NODES, &node1, 64));
    CHECK(setp(MPOL_BIND | MPOL_F_RELATIVE_NODES, &node1, 64));
    show("bind relative {1}");
    CHECK(setp(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, &node0, 64));
    CHECK(setp(MPOL_PREFERRED | MPOL_F_STATIC_NODES, &none, 64));
    CHECK(setp(MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, &node0, 64));
    CHECK(setp(MPOL_BIND | MPOL_F_NUMA_BALANCING, &node0, 64));
    show("bind numa balancing");
    CHECK(setp(9, &node0, 64));
    CHECK(setp(MPOL_BIND, (unsigned long *)8, 64));
    big[17] = 1;
    CHECK(setp(MPOL_BIND, big, 20 * 64));
    big[17] = 0;
    big[0] = 1;
    CHECK(setp(MPOL_BIND, big, 20 * 64));
    CHECK(setp(MPOL_BIND, big, 64 * 4096 + 2));
    CHECK(setp(MPOL_PREFERRED_MANY, &node0, 64));
    show("preferred many");
    pid_t pid = fork();
    if (pid == 0)
    {
        show("inherited by fork");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(setp(MPOL_DEFAULT, NULL, 0));
    show("default");

    puts("-- mbind");
    char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 8 * 4096);
    CHECK(mbind_(p + 4096, 2 * 4096, MPOL_BIND, &node0, 64, 0));
    mode = -1;
    CHECK(getp(&mode, mask, 64, p + 4096, MPOL_F_ADDR));
    printf("at p+1: mode=%d mask=%lx\n", mode, mask[0]);
    CHECK(getp(&mode, mask, 64, p, MPOL_F_ADDR));
    printf("at p: mode=%d mask=%lx\n", mode, mask[0]);
    CHECK(getp(&mode, NULL, 0, p + 4096, MPOL_F_ADDR | MPOL_F_NODE));
    printf("node of p+1: %d\n", mode);
    CHECK(mbind_(p + 1, 4096, MPOL_BIND, &node0, 64, 0));
    CHECK(mbind_(p, 4096, MPOL_BIND, &node0, 64, 8));
    CHECK(mbind_(p, 4096, MPOL_BIND, &node0, 64, MPOL_MF_STRICT | MPOL_MF_MOVE));
    CHECK(mbind_(p, 0, MPOL_BIND, &node0, 64, 0));
    CHECK(mbind_(p, 4096, MPOL_BIND, &none, 64, 0));
    CHECK(mbind_(p, 4096, 12, &node0, 64, 0));
    munmap(p + 4 * 4096, 4096);
    CHECK(mbind_(p + 3 * 4096, 3 * 4096, MPOL_INTERLEAVE, &node0, 64, 0));
    CHECK(mbind_(p + 3 * 4096, 4096, MPOL_INTERLEAVE, &node0, 64, 0));
    CHECK(getp(&mode, mask, 64, p + 3 * 4096, MPOL_F_ADDR));
    printf("at p+3: mode=%d\n", mode);
    CHECK(getp(&mode, mask, 64, p + 4 * 4096, MPOL_F_ADDR));
    CHECK(mbind_(p + 3 * 4096, 4096, MPOL_DEFAULT, NULL, 0, 0));
    CHECK(getp(&mode, mask, 64, p + 3 * 4096, MPOL_F_ADDR));
    printf("at p+3 after default: mode=%d\n", mode);

    puts("-- migrate_pages, move_pages, set_mempolicy_home_node");
    CHECK(syscall(SYS_migrate_pages, 0, 64, &node0, &node0));
    CHECK(syscall(SYS_migrate_pages, 0, 64, &node0, &node1));
    CHECK(syscall(SYS_migrate_pages, 0, 64, (void *)8, &node0));
    CHECK(syscall(SYS_migrate_pages, 999999, 64, &node0, &node0));
    void *pages[3] = { p, p + 4 * 4096, p + 7 * 4096 };
    int nodes[3] = { 0, 0, 0 }, status[3] = { 9, 9, 9 };
    CHECK(syscall(SYS_move_pages, 0, 3, pages, NULL, status, 0));
    printf("status %d %d %d\n", status[0], status[1], status[2]);
    CHECK(syscall(SYS_move_pages, 0, 3, pages, nodes, status, MPOL_MF_MOVE));
    printf("status %d %d %d\n", status[0], status[1], status[2]);
    nodes[1] = 5;
    CHECK(syscall(SYS_move_pages, 0, 3, pages, nodes, status, MPOL_MF_MOVE));
    nodes[1] = -1;
    CHECK(syscall(SYS_move_pages, 0, 3, pages, nodes, status, MPOL_MF_MOVE));
    CHECK(syscall(SYS_move_pages, 0, 3, pages, nodes, status, 8));
    CHECK(syscall(SYS_move_pages, 999999, 3, pages, NULL, status, 0));
    CHECK(syscall(SYS_move_pages, 0, 1, (void *)8, NULL, status, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 1));
    CHECK(syscall(SYS_set_mempolicy_home_node, p + 1, 4096, 0, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 4096, 1, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 4096, 5000, 0));
    CHECK(mbind_(p, 4096, MPOL_INTERLEAVE, &node0, 64, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 0));
    CHECK(mbind_(p, 4096, MPOL_BIND, &node0, 64, 0));
    CHECK(syscall(SYS_set_mempolicy_home_node, p, 8 * 4096, 0, 0));
    return 0;
}
