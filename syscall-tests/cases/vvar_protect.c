/* The vDSO's data pages ([vvar], [vvar_vclock]) may not be made writable or
 * executable: Linux maps them without VM_MAYWRITE/VM_MAYEXEC, so mprotect is EACCES. */
#include "common.h"
#include <sys/mman.h>

int main(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int seen = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long start, end;
        char name[64] = "";
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %63s", &start, &end, name) < 2) continue;
        if (strncmp(name, "[vvar", 5) != 0) continue;
        seen++;
        errno = 0;
        int r = mprotect((void *)start, 4096, PROT_READ | PROT_WRITE);
        printf("%s write: %d %s\n", name, r, r ? errname(errno) : "");
        r = mprotect((void *)start, 4096, PROT_READ | PROT_EXEC);
        printf("%s exec: %d %s\n", name, r, r ? errname(errno) : "");
    }
    printf("vvar mappings: %d\n", seen > 0);
    return 0;
}
