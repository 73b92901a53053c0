/* execve's argv and envp as the new program sees them: many strings of every length, strings and pointer arrays
 * that end just before an unmapped page, strings that cross a page boundary, and the failures: a pointer array
 * running into an unmapped page, a bad string pointer (EFAULT), a string over MAX_ARG_STRLEN and a total over
 * the limit (E2BIG). The child prints a digest of what it got, so any string read wrong shows. */
#include "common.h"
#include <sys/mman.h>
#include <sys/wait.h>

static const char *self;

static unsigned long fnv(unsigned long h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return (h ^ 0xff) * 1099511628211UL;
}

static int child(int argc, char **argv, char **envp)
{
    unsigned long h = 14695981039346656037UL, len = 0;
    int envc = 0;
    for (int i = 0; i < argc; i++) h = fnv(h, argv[i]), len += strlen(argv[i]);
    for (; envp[envc]; envc++) h = fnv(h, envp[envc]), len += strlen(envp[envc]);
    printf("  child: argc %d envc %d bytes %lu digest %016lx\n", argc, envc, len, h);
    return 0;
}

static void run(const char *what, char **argv, char **envp)
{
    printf("%s\n", what);
    pid_t c = fork();
    if (c == 0) {
        execve(self, argv, envp);
        printf("  execve = %s\n", errname(errno));
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 99))
        printf("  status %#x\n", st);
}

/* Two pages; the second unmapped: what ends at the first's end is followed by nothing readable. */
static char *edge_page(void)
{
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    return p;
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child(argc, argv, envp);
    self = argv[0];

    /* 3000 strings of lengths 0..699 bytes (about 1 MB), in one heap block, envp from the same block. */
    static char *many[3002];
    char *block = malloc(3000 * 700);
    many[0] = (char *)self;
    many[1] = "child";
    char *at = block;
    for (int i = 0; i < 3000 - 2; i++) {
        memset(at, 'a' + i % 26, i % 700);
        at[i % 700] = 0;
        many[i + 2] = at;
        at += i % 700 + 1;
    }
    many[3000] = NULL;
    char *env[] = {"A=1", block + 5, "", "Z=last", NULL};
    run("3000 args", many, env);

    /* Strings at scattered places: the stack, static data, and the heap. */
    char local[] = "on the stack";
    static char data[] = "in static data";
    char *heap = strdup("on the heap");
    char *scattered[] = {(char *)self, "child", local, data, heap, "", local + 3, NULL};
    run("scattered", scattered, (char *[]){heap, data, NULL});

    /* A string ending at the last byte of a page whose next page is unmapped. */
    char *p = edge_page();
    memset(p, 'x', 4095);
    p[4095] = 0;
    run("string ends at a page's end", (char *[]){(char *)self, "child", p + 4000, p, NULL}, (char *[]){p + 4094, NULL});

    /* A string crossing from one mapped page into the next. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 'y', 8191);
    two[8191] = 0;
    run("string across pages", (char *[]){(char *)self, "child", two + 4000, two + 100, two + 5000, NULL}, (char *[]){NULL});

    /* The pointer array's NULL is the last word of a page whose next page is unmapped. */
    char *q = edge_page();
    char **arr = (char **)(q + 4096 - 4 * sizeof(char *));
    arr[0] = (char *)self, arr[1] = "child", arr[2] = "third", arr[3] = NULL;
    run("array ends at a page's end", arr, arr + 3);

    /* The array runs into the unmapped page with no NULL. */
    char *r = edge_page();
    char **open = (char **)(r + 4096 - 3 * sizeof(char *));
    open[0] = (char *)self, open[1] = "child", open[2] = "no NULL";
    run("array runs off its page", open, (char *[]){NULL});
    run("envp runs off its page", (char *[]){(char *)self, "child", NULL}, open);

    /* A string pointer into nothing; a string running into the unmapped page. */
    run("bad string pointer", (char *[]){(char *)self, "child", (char *)16, NULL}, (char *[]){NULL});
    char *s = edge_page();
    memset(s, 'z', 4096);
    run("string runs off its page", (char *[]){(char *)self, "child", s + 4000, NULL}, (char *[]){NULL});
    run("bad array pointer", (char **)16, (char *[]){NULL});

    /* MAX_ARG_STRLEN (131072) counts the NUL: 131071 characters pass, 131072 are E2BIG. */
    char *big = malloc(131073);
    memset(big, 'b', 131072);
    big[131071] = 0;
    run("string of 131071", (char *[]){(char *)self, "child", big, NULL}, (char *[]){NULL});
    big[131071] = 'b';
    big[131072] = 0;
    run("string of 131072", (char *[]){(char *)self, "child", big, NULL}, (char *[]){NULL});

    /* 40 strings of 100000 bytes (4 MB): over the limit (a quarter of an 8 MiB stack here; 2 MiB in the sandbox). */
    static char *huge[43];
    char *hb = malloc(100001);
    memset(hb, 'h', 100000);
    hb[100000] = 0;
    huge[0] = (char *)self, huge[1] = "child";
    for (int i = 2; i < 42; i++) huge[i] = hb;
    run("4 MB of strings", huge, (char *[]){NULL});
    /* 10 of them (1 MB) pass. */
    huge[12] = NULL;
    run("1 MB of strings", huge, (char *[]){NULL});
    return 0;
}
