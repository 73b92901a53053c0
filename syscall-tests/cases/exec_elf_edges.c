/* execve of hand-made ELF files and #! chains: a PT_LOAD with no file bytes (any offset) is anonymous memory,
 * and pages past a segment's file bytes are writable whatever the segment's flags (vm_brk); five interpreters
 * after the file named run, a sixth is ELOOP. */
#include "common.h"
#include <elf.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64];

/* writes byte 1 to 0x41000 (the anonymous segment), then exit(42) */
static const unsigned char code[] = {
    0xc6, 0x04, 0x25, 0x00, 0x10, 0x04, 0x00, 0x01, /* movb $1, 0x41000 */
    0xb8, 0x3c, 0x00, 0x00, 0x00,                   /* mov $60, %eax */
    0xbf, 0x2a, 0x00, 0x00, 0x00,                   /* mov $42, %edi */
    0x0f, 0x05,                                     /* syscall */
};

static void write_elf(const char *path, unsigned anon_flags, unsigned long anon_offset)
{
    struct image {
        Elf64_Ehdr eh;
        Elf64_Phdr ph[2];
        unsigned char code[sizeof code];
    } f;
    memset(&f, 0, sizeof f);
    memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
    f.eh.e_ident[EI_CLASS] = ELFCLASS64;
    f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    f.eh.e_ident[EI_VERSION] = EV_CURRENT;
    f.eh.e_type = ET_EXEC;
    f.eh.e_machine = EM_X86_64;
    f.eh.e_version = EV_CURRENT;
    f.eh.e_entry = 0x40000 + offsetof(struct image, code);
    f.eh.e_phoff = offsetof(struct image, ph);
    f.eh.e_ehsize = sizeof f.eh;
    f.eh.e_phentsize = sizeof f.ph[0];
    f.eh.e_phnum = 2;
    f.ph[0] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, 0x40000, 0x40000, sizeof f, sizeof f, 0x1000};
    f.ph[1] = (Elf64_Phdr){PT_LOAD, anon_flags, anon_offset, 0x41000, 0x41000, 0, 0x1000, 0x1000};
    memcpy(f.code, code, sizeof code);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    write(fd, &f, sizeof f);
    close(fd);
}

static void run(const char *what, const char *path)
{
    pid_t c = fork();
    if (c == 0) {
        execl(path, path, NULL);
        printf("%s: execve = %s\n", what, errname(errno));
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) != 99)
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: signal %d\n", what, WTERMSIG(st));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/elfedge-%d", (int)getpid());
    mkdir(dir, 0755);
    char bin[96], s[7][96];
    snprintf(bin, sizeof bin, "%s/bin", dir);

    write_elf(bin, PF_R, 0x123);
    run("anonymous read-only segment at an odd offset", bin);
    write_elf(bin, PF_R | PF_W, 0);
    run("anonymous writable segment", bin);
    write_elf(bin, PF_R | PF_X, 0x1000);
    run("anonymous executable segment", bin);

    for (int i = 1; i <= 6; i++) {
        snprintf(s[i], sizeof s[i], "%s/s%d", dir, i);
        int fd = open(s[i], O_CREAT | O_WRONLY | O_TRUNC, 0755);
        dprintf(fd, "#!%s\n", i == 1 ? bin : s[i - 1]);
        close(fd);
    }
    run("five interpreters", s[5]);
    run("six interpreters", s[6]);

    for (int i = 1; i <= 6; i++)
        unlink(s[i]);
    unlink(bin);
    rmdir(dir);
    return 0;
}
