/* Path strings read from guest memory: short and long ones, ones that end just before an unmapped page, ones
 * that run into it, and ones longer than PATH_MAX (the Sentry reads a short first piece, then whole pages). */
#include "common.h"
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void try_stat(const char *what, const char *path)
{
    struct stat st;
    int r = stat(path, &st);
    printf("%s: %s\n", what, r == 0 ? (S_ISDIR(st.st_mode) ? "dir" : "other") : strerror(errno));
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + pg, pg);

    /* "/" followed by n "./": the same directory, at any length */
    for (int n = 1; n < 2100; n = n * 3 + 1) {
        int len = 1 + 2 * n;
        if (len >= PATH_MAX) break;
        char *p = m + pg - len - 1; /* ends with its NUL in the page's last byte */
        p[0] = '/';
        for (int i = 0; i < n; i++) memcpy(p + 1 + 2 * i, "./", 2);
        p[len] = 0;
        char what[64];
        snprintf(what, sizeof what, "%d bytes ending at the page's end", len);
        try_stat(what, p);
    }
    /* no NUL before the unmapped page */
    memset(m, '/', pg);
    try_stat("runs into an unmapped page (short)", m + pg - 8);
    try_stat("runs into an unmapped page (a page of slashes)", m);

    /* longer than PATH_MAX, and exactly as long as allowed */
    char *big = malloc(2 * PATH_MAX);
    memset(big, '/', 2 * PATH_MAX);
    big[2 * PATH_MAX - 1] = 0;
    try_stat("two PATH_MAX of slashes", big);
    big[PATH_MAX - 1] = 0;
    try_stat("PATH_MAX - 1 slashes", big);
    big[PATH_MAX - 1] = '/';
    big[PATH_MAX] = 0;
    try_stat("PATH_MAX slashes", big);
    /* a 300-byte name: past the first piece, one component too long */
    memset(big, 'a', 300);
    big[0] = '/';
    big[300] = 0;
    try_stat("one 299-byte component", big);
    return 0;
}
