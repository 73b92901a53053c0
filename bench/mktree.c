// Builds a tree of empty files for bench/tree_walk.sh: mktree DIR DIRS FILES makes DIR/dNNNN/fNNNN
// (DIRS directories of FILES empty files each). Quicker than a shell loop by orders of magnitude.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: mktree DIR DIRS FILES\n"); return 2; }
    int dirs = atoi(argv[2]), files = atoi(argv[3]);
    if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) { perror(argv[1]); return 1; }
    int root = open(argv[1], O_PATH | O_DIRECTORY);
    if (root < 0) { perror(argv[1]); return 1; }
    char name[32];
    for (int d = 0; d < dirs; d++) {
        snprintf(name, sizeof name, "d%04d", d);
        if (mkdirat(root, name, 0755) < 0 && errno != EEXIST) { perror(name); return 1; }
        int dfd = openat(root, name, O_PATH | O_DIRECTORY);
        if (dfd < 0) { perror(name); return 1; }
        for (int f = 0; f < files; f++) {
            snprintf(name, sizeof name, "f%04d", f);
            int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
            if (fd < 0) { perror(name); return 1; }
            close(fd);
        }
        close(dfd);
    }
    return 0;
}
