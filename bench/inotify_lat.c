/* inotify event latency, timed inside the guest: a forked writer appends one byte to a file in a watched
 * directory; the watcher (blocked in read(2) of its inotify fd) takes the IN_MODIFY event and answers
 * through a pipe; the writer waits for the answer before the next write. One round trip = write ->
 * event read -> answer read. Usage: inotify_lat [N] (default 20000).
 * Prints: "inotify_lat: N events, X us/round trip". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000;
    char dir[] = "/tmp/inotify_lat_XXXXXX", file[64];
    if (!mkdtemp(dir)) { perror("inotify_lat: mkdtemp"); return 1; }
    snprintf(file, sizeof file, "%s/f", dir);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = inotify_init1(0);
    if (fd < 0 || in < 0 || inotify_add_watch(in, dir, IN_MODIFY) < 0) { perror("inotify_lat: setup"); return 1; }
    int answer[2];
    if (pipe(answer) < 0) return 1;
    pid_t c = fork();
    if (c == 0) {
        char x;
        double t0 = now();
        for (long i = 0; i < n; i++) {
            if (write(fd, "x", 1) != 1 || read(answer[0], &x, 1) != 1) _exit(1);
        }
        double t1 = now();
        printf("inotify_lat: %ld events, %.2f us/round trip\n", n, (t1 - t0) / 1e3 / n);
        fflush(stdout);
        _exit(0);
    }
    char ev[4096];
    for (long i = 0; i < n; i++) {
        if (read(in, ev, sizeof ev) <= 0) { perror("inotify_lat: read"); return 1; }
        /* several writes may merge into one event only if the writer ran ahead; it waits for us */
        if (write(answer[1], "a", 1) != 1) return 1;
    }
    int st;
    waitpid(c, &st, 0);
    unlink(file);
    rmdir(dir);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
