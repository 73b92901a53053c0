/* clone with flags or a TLS base Linux refuses (found by fuzz/sysfuzz: clone(~0, ...) made a thread whose
 * non-canonical TLS base the host would not take; its process could then never be killed). Any clone that
 * does succeed makes a child that exits at once without touching memory. */
#include "common.h"
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

long raw_clone_exit(long flags, long stack, long ptid, long ctid, long tls);
__asm__(".text\n.globl raw_clone_exit\nraw_clone_exit:\n"
        "  mov %rcx, %r10\n  mov $56, %eax\n  syscall\n  test %rax, %rax\n  jnz 1f\n"
        "  mov $60, %eax\n  xor %edi, %edi\n  syscall\n  ud2\n1:\n  ret\n");

static void try(const char *what, long flags, long tls)
{
    static char *m;
    if (!m) m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long r = raw_clone_exit(flags, (long)m + 4096, (long)m + 100, (long)m + 200, tls);
    if (r < 0) printf("%s: %s\n", what, errname((int)-r));
    else {
        printf("%s: created\n", what);
        if (!(flags & CLONE_THREAD)) waitpid((pid_t)r, NULL, __WALL);
    }
}

int main(void)
{
    const long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    try("all flags", -1L, 0);
    try("thread, tls non-canonical", thread | CLONE_SETTLS, (long)0x8000000000000000UL);
    try("thread, tls kernel", thread | CLONE_SETTLS, (long)0xffffffff81000000UL);
    try("thread without sighand", CLONE_VM | CLONE_THREAD, 0);
    try("sighand without vm", CLONE_SIGHAND | SIGCHLD, 0);
    try("fs with newns", CLONE_FS | CLONE_NEWNS | SIGCHLD, 0);
    try("pidfd with parent_settid", CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0);
    try("process, tls non-canonical", CLONE_SETTLS | SIGCHLD, (long)0x8000000000000000UL);
    try("plain process", SIGCHLD, 0);
    return 0;
}
