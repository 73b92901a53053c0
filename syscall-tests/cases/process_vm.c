/* process_vm_readv/process_vm_writev: the caller's own memory and a forked child's, scattered over several iovecs;
 * a bad remote or local iovec stops the copy (the count says how far it got, EFAULT if nothing moved); flags,
 * unknown pids and a zombie are refused. */
#include "common.h"
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char child_data[64] = "the child's bytes, read by its parent";

int main(void)
{
    char a[8] = "abcdefg", b[8] = "1234567", out[16] = {0};
    struct iovec local[2] = {{out, 5}, {out + 8, 8}}, remote[2] = {{a, 3}, {b, 8}};
    CHECK(process_vm_readv(getpid(), local, 2, remote, 2, 0));
    printf("read: %.5s|%.8s\n", out, out + 8);
    struct iovec src = {"XYZ", 3}, dst = {a + 4, 3};
    CHECK(process_vm_writev(getpid(), &src, 1, &dst, 1, 0));
    printf("written: %s\n", a);

    /* partial: the second remote iovec is bad */
    struct iovec bad[2] = {{b, 4}, {(void *)0xdead0000, 16}};
    memset(out, 0, sizeof out);
    struct iovec whole = {out, 16};
    CHECK(process_vm_readv(getpid(), &whole, 1, bad, 2, 0));
    CHECK(process_vm_writev(getpid(), &whole, 1, bad, 2, 0));
    struct iovec only_bad = {(void *)0xdead0000, 16};
    CHECK(process_vm_readv(getpid(), &whole, 1, &only_bad, 1, 0));
    CHECK(process_vm_readv(getpid(), &only_bad, 1, remote, 2, 0));
    CHECK(process_vm_readv(getpid(), (struct iovec *)8, 1, remote, 2, 0));
    CHECK(process_vm_readv(getpid(), &whole, 1, remote, 2, 1));
    CHECK(process_vm_readv(getpid(), &whole, 1, remote, 1025, 0));
    CHECK(process_vm_readv(-1, &whole, 1, remote, 2, 0));
    CHECK(process_vm_readv(999999, &whole, 1, remote, 2, 0));
    struct iovec empty = {out, 0};
    CHECK(process_vm_readv(999999, &empty, 1, remote, 2, 0)); /* nothing to copy: 0 before the pid is looked at */

    /* a forked child: read its memory, write into it, and it sees the write */
    int p2c[2], c2p[2];
    CHECK(pipe(p2c));
    CHECK(pipe(c2p));
    pid_t c = fork();
    if (c == 0) {
        char x;
        write(c2p[1], "r", 1);
        read(p2c[0], &x, 1);
        write(c2p[1], child_data, 5);
        _exit(0);
    }
    char x;
    CHECK(read(c2p[0], &x, 1));
    char got[64] = {0};
    struct iovec l = {got, sizeof got - 1}, r = {child_data, strlen(child_data)};
    CHECK(process_vm_readv(c, &l, 1, &r, 1, 0));
    printf("child says: %s\n", got);
    struct iovec w = {"HELLO", 5};
    CHECK(process_vm_writev(c, &w, 1, &r, 1, 0));
    write(p2c[1], "g", 1);
    char echo[6] = {0};
    CHECK(read(c2p[0], echo, 5));
    printf("child now has: %s\n", echo);
    siginfo_t si;
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    CHECK(process_vm_readv(c, &l, 1, &r, 1, 0)); /* a zombie has no memory */
    CHECK(waitpid(c, NULL, 0) == c);
    return 0;
}
