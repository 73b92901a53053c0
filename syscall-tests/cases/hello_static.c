/* A statically linked binary: no dynamic loader, glibc's static start-up
 * (TLS setup via brk/arch_prctl, IRELATIVE relocs). */
#include "common.h"
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    printf("hello from a static binary, argc=%d\n", argc);
    printf("AT_BASE: %lu\n", getauxval(AT_BASE));
    SHOW(getauxval(AT_PHDR) != 0 && getauxval(AT_ENTRY) != 0);
    char *p = malloc(1 << 20);
    SHOW(p != NULL);
    memset(p, 3, 1 << 20);
    free(p);
    CHECK(write(1, "raw write\n", 10));
    return 7;
}
