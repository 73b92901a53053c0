/* The initial stack and auxiliary vector built by the loader. */
#include "common.h"
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc: %d, argv[argc] == NULL: %d\n", argc, argv[argc] == NULL);
    SHOW(envp == argv + argc + 1);
    SHOW(envp == environ);
    char **e = envp;
    while (*e)
        e++;
    Elf64_auxv_t *av = (Elf64_auxv_t *)(e + 1);
    int n = 0, end = 0;
    for (; n < 64; n++)
        if (av[n].a_type == AT_NULL) {
            end = 1;
            break;
        }
    SHOW(end && n > 10);
    SHOW(av[0].a_type != AT_NULL && getauxval(av[0].a_type) == av[0].a_un.a_val);

    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    SHOW(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid());
    SHOW(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
    printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
    SHOW(getauxval(AT_PHNUM) > 0);
    SHOW(getauxval(AT_PHDR) != 0);
    SHOW(getauxval(AT_ENTRY) != 0);
    SHOW(getauxval(AT_HWCAP) != 0);
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM: %s\n", plat ? plat : "(none)");
    const char *fn = (const char *)getauxval(AT_EXECFN);
    SHOW(fn && strcmp(base_name(fn), base_name(argv[0])) == 0);
    unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    for (int i = 0; rnd && i < 16; i++)
        nz |= rnd[i];
    SHOW(rnd && nz);

    /* the program headers that AT_PHDR points at describe this program */
    ElfW(Phdr) *ph = (ElfW(Phdr) *)getauxval(AT_PHDR);
    int load = 0;
    for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
        load += ph[i].p_type == PT_LOAD;
    SHOW(load >= 1);
#ifdef __PIE__
    printf("dynamic: AT_BASE set: %s\n", getauxval(AT_BASE) ? "yes" : "no");
#endif
    return 0;
}
