/* execve of an ELF whose PT_INTERP names no usable interpreter: a missing file is
 * ENOENT, a path without its NUL or shorter than two bytes ENOEXEC, and an empty path
 * EACCES (Linux opens it as the working directory, which is no regular file). */
#include "common.h"
#include <elf.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const unsigned char code[] = {
    0xb8, 0x3c, 0x00, 0x00, 0x00, /* mov $60, %eax */
    0x31, 0xff,                   /* xor %edi, %edi */
    0x0f, 0x05,                   /* syscall */
};

static void write_elf(const char *path, const char *interp, size_t len)
{
    struct image {
        Elf64_Ehdr eh;
        Elf64_Phdr ph[2];
        unsigned char code[sizeof code];
        char interp[16];
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
    f.ph[0] = (Elf64_Phdr){PT_INTERP, PF_R, offsetof(struct image, interp), 0, 0, len, len, 1};
    f.ph[1] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, 0x40000, 0x40000, sizeof f, sizeof f, 0x1000};
    memcpy(f.code, code, sizeof code);
    memcpy(f.interp, interp, len);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    write(fd, &f, sizeof f);
    close(fd);
}

static void run(const char *what, const char *path, const char *interp, size_t len)
{
    write_elf(path, interp, len);
    pid_t c = fork();
    if (c == 0) {
        execl(path, path, NULL);
        printf("%s: execve = %s\n", what, errname(errno));
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) != 99) printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: signal %d\n", what, WTERMSIG(st));
}

int main(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/interp-%d", (int)getpid());
    run("missing interpreter", path, "/f/b", 5);
    run("no NUL", path, "/f/b", 4);
    run("one byte", path, "", 1);
    run("empty path", path, "\0", 2);
    run("garbage after NUL", path, "/f\0b", 5);
    unlink(path);
    return 0;
}
