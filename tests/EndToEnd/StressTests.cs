using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Stress runs of one guest program (below) under runsc: threads racing on fds and memory while the process
/// exit_groups, 1,000 sequential fork+exit, thread churn, and kill -9 of runsc in the middle. The guest says
/// "start" and waits for a byte on stdin, runs its workload, says its result and waits again: between those
/// handshakes the test counts runsc's fds (they must be back where they started) and its processes (none may
/// outlive runsc), and the Sentry's debug log must have no error line.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class StressTests : IClassFixture<TempDirFixture>
{
    readonly string _dir;
    public StressTests(TempDirFixture tmp) => _dir = tmp.Dir;

    const string Source = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <pthread.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <sys/syscall.h>
        #include <sys/wait.h>
        #include <unistd.h>

        static void handshake(const char *what)
        {
            printf("%s\n", what);
            fflush(stdout);
            char c;
            if (read(0, &c, 1) != 1) _exit(90);
        }

        /* ---- mix: threads racing on one fd table and address space, ended by exit_group ---- */
        #define NFD 24
        static int fds[NFD];
        static volatile int stop_all;

        static void *mixer(void *arg)
        {
            unsigned seed = (unsigned)(unsigned long)arg;
            char buf[512];
            for (long i = 0; !stop_all; i++) {
                int a = fds[rand_r(&seed) % NFD], slot = rand_r(&seed) % NFD;
                switch (rand_r(&seed) % 9) {
                case 0: close(fds[slot]); fds[slot] = open("/dev/null", O_RDWR); break;
                case 1: dup2(a, fds[slot]); break;
                case 2: if (read(a, buf, sizeof buf) < 0) {} break;
                case 3: if (write(a, buf, rand_r(&seed) % sizeof buf) < 0) {} break;
                case 4: { char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                          if (p != MAP_FAILED) { p[0] = 1; p[40000] = 2; munmap(p, 1 << 16); } } break;
                case 5: { char *p = mmap(NULL, 1 << 14, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                          if (p != MAP_FAILED) { p[100] = 3; munmap(p, 1 << 14); } } break;
                /* The raw call: glibc's fork takes its own locks, which deadlock natively between 16 forking threads. */
                case 6: { long c = syscall(SYS_fork); if (c == 0) syscall(SYS_exit_group, 0); if (c > 0) waitpid((pid_t)c, NULL, 0); } break;
                case 7: { int q[2]; if (pipe2(q, O_NONBLOCK) == 0) { dup2(q[0], fds[slot]); dup2(q[1], a); close(q[0]); close(q[1]); } } break;
                default: { int f = open("/dev/zero", O_RDONLY); if (f >= 0) { dup2(f, fds[slot]); close(f); } } break;
                }
                /* One thread ends the whole process while the others are in the middle of their calls. */
                if (arg == (void *)1 && i == 400) syscall(SYS_exit_group, 33);
            }
            return NULL;
        }

        static int mix_round(int threads)
        {
            pid_t c = fork();
            if (c == 0) {
                signal(SIGPIPE, SIG_IGN); /* writes race with closes of the read end */
                for (int i = 0; i < NFD; i++) {
                    int q[2];
                    if (i % 3 == 0 && pipe2(q, O_NONBLOCK) == 0) { fds[i] = q[0]; fds[++i < NFD ? i : 0] = q[1]; }
                    else fds[i] = open(i % 2 ? "/dev/null" : "/dev/zero", O_RDWR);
                }
                pthread_t th[64];
                for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, mixer, (void *)(unsigned long)(i + 1));
                for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
                _exit(1); /* not reached: thread 1 exits the process */
            }
            int st;
            if (waitpid(c, &st, 0) != c) return 0;
            while (wait(NULL) > 0) {} /* grandchildren orphaned by the exit_group come to init */
            return WIFEXITED(st) && WEXITSTATUS(st) == 33;
        }

        static void *nop(void *a) { return a; }

        int main(int argc, char **argv)
        {
            const char *mode = argc > 1 ? argv[1] : "";
            int n = argc > 2 ? atoi(argv[2]) : 1;
            /* Warm up what runsc sets up once (the first fork, the first thread), then count from there. */
            pthread_t w; pthread_create(&w, NULL, nop, NULL); pthread_join(w, NULL);
            pid_t c = fork(); if (c == 0) _exit(0); waitpid(c, NULL, 0);
            handshake("start");
            int ok = 0;
            if (!strcmp(mode, "mix")) {
                for (int r = 0; r < n; r++) ok += mix_round(16);
            } else if (!strcmp(mode, "mix-forever")) {
                printf("running\n");
                fflush(stdout);
                for (;;) mix_round(16);
            } else if (!strcmp(mode, "forks")) {
                for (int i = 0; i < n; i++) {
                    pid_t p = fork();
                    if (p == 0) _exit(i & 0x7f);
                    int st;
                    if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == (i & 0x7f)) ok++;
                }
            } else if (!strcmp(mode, "threads")) {
                for (int i = 0; i < n; i += 16) {
                    pthread_t th[16];
                    int k = 0;
                    for (; k < 16 && i + k < n; k++) if (pthread_create(&th[k], NULL, nop, (void *)1) != 0) break;
                    for (int j = 0; j < k; j++) { void *r; if (pthread_join(th[j], &r) == 0 && r == (void *)1) ok++; }
                }
            }
            char line[64];
            snprintf(line, sizeof line, "%s %d/%d", mode, ok, n);
            handshake(line);
            return 0;
        }
        """;

    string Compile() => CompileC(_dir, "stress", Source);

    /// <summary>Runs one phased workload and checks the result line, runsc's fds, its processes and the log.</summary>
    void RunPhased(string mode, int n, int timeoutMs)
    {
        var bin = Compile();
        var log = Path.Combine(_dir, $"stress-{mode}.log");
        File.Delete(log);
        using var r = new WatchedRunsc("do", "--debug-log", log, bin, mode, n.ToString());
        Assert.Equal("start", r.ReadLine());
        // Counted once the guest waits for "go": its first wait on stdin starts the kernel's host epoll (one fd), which
        // must not be taken for a leak of the phase.
        WaitUntilGuestBlocks(r.Pid);
        int fdsBefore = FdCount(r.Pid);
        r.Go();
        Assert.Equal($"{mode} {n}/{n}", r.ReadLine(timeoutMs));
        int fdsAfter = SettledFdCount(r.Pid, fdsBefore);
        string fdsLeft = fdsAfter == fdsBefore ? "" : FdTargets(r.Pid);
        var tree = Descendants(r.Pid);
        r.Go();
        Assert.Equal((false, 0), r.WaitEnd());
        Assert.True(fdsBefore == fdsAfter, $"runsc had {fdsBefore} fds before the phase and {fdsAfter} after: {fdsLeft}");
        Assert.Empty(Survivors(tree));
        Assert.Empty(LogErrors(log));
    }

    [Fact]
    public void ThreadsMixingFdsMemoryForkAndExitGroup() => RunPhased("mix", 5, 120_000);

    [Fact]
    public void ThousandSequentialForks() => RunPhased("forks", 1000, 120_000);

    [Fact]
    public void ThreadChurn() => RunPhased("threads", 2000, 120_000);

    [Fact]
    public void KillMinus9InTheMiddleOfTheMix_LeavesNoProcess()
    {
        var bin = Compile();
        using var r = new WatchedRunsc("do", bin, "mix-forever");
        Assert.Equal("start", r.ReadLine());
        r.Go();
        Assert.Equal("running", r.ReadLine());
        // Kill while forks, threads and stubs come and go; snapshot the tree as late as possible.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var tree = new HashSet<int>();
        while (sw.ElapsedMilliseconds < 1500 || tree.Count(IsStub) < 2)
        {
            Assert.True(sw.ElapsedMilliseconds < 30_000, "the workload never had two stubs");
            tree.UnionWith(Descendants(r.Pid));
        }
        tree.UnionWith(Descendants(r.Pid));
        r.Signal("KILL");
        var (signaled, code) = r.WaitEnd();
        Assert.True(signaled && code == 9, $"runsc should have died of SIGKILL, got {(signaled ? "signal" : "exit")} {code}");
        Assert.Empty(Survivors(tree));
    }
}
