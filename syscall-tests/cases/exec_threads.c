/* execve from a thread that is not the leader (Linux's de_thread): the other
 * threads (sleeping, in a futex wait, in read, in pause, running guest code,
 * the leader in pthread_join) die, the exec'ing thread takes the process's pid, and the
 * parent waits on that same pid; /proc/self, looked up before the exec, names the new image's process after it. */
#include "common.h"
#include <dirent.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int pipefd[2];
static int fut;
static char pidarg[32], ppidarg[32], *self;

static void *sleeper(void *a) { sleep(100); return NULL; }
static void *futexer(void *a) { syscall(SYS_futex, &fut, FUTEX_WAIT, 0, NULL, NULL, 0); return NULL; }
static void *reader(void *a) { char c; read(pipefd[0], &c, 1); return NULL; }
static void *pauser(void *a) { pause(); return NULL; }
static void *spinner(void *a) { for (volatile int i = 0;; i++) ; return NULL; }
static void *nothing(void *a) { return (void *)42; }

static void *execer(void *a)
{
    char *argv[] = {self, "after", pidarg, ppidarg, NULL};
    execv("/proc/self/exe", argv);
    printf("execv failed: %s\n", errname(errno));
    _exit(99);
}

static int count_tasks(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* The new image. */
static int after(const char *pid, const char *ppid)
{
    printf("new image: %s\n", pid[0] ? "running" : "?");
    SHOW(getpid() == atoi(pid));
    SHOW(syscall(SYS_gettid) == getpid());
    SHOW(getppid() == atoi(ppid));
    printf("entries in /proc/self/task: %d\n", count_tasks());
    struct stat st;
    CHECK(stat("/proc/self/cwd", &st));
    /* The process can make threads again. */
    pthread_t t;
    void *r;
    CHECK(pthread_create(&t, NULL, nothing, NULL));
    CHECK(pthread_join(t, &r));
    SHOW(r == (void *)42);
    return 7;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "after") == 0) return after(argv[2], argv[3]);
    self = argv[0];
    snprintf(ppidarg, sizeof ppidarg, "%d", getpid());
    pid_t c = fork();
    if (c == 0) {
        pthread_t t[6];
        pipe(pipefd);
        snprintf(pidarg, sizeof pidarg, "%d", getpid());
        pthread_create(&t[0], NULL, sleeper, NULL);
        pthread_create(&t[1], NULL, futexer, NULL);
        pthread_create(&t[2], NULL, reader, NULL);
        pthread_create(&t[3], NULL, pauser, NULL);
        pthread_create(&t[5], NULL, spinner, NULL);
        usleep(100000); /* let them block */
        struct stat st;
        CHECK(stat("/proc/self/cwd", &st));
        printf("threads before exec: %d\n", count_tasks());
        pthread_create(&t[4], NULL, execer, NULL);
        pthread_join(t[4], NULL);
        printf("not reached\n");
        _exit(98);
    }
    int st;
    SHOW(waitpid(c, &st, 0) == c);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK(waitpid(-1, &st, WNOHANG));
    return 0;
}
