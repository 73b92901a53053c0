using System.Text;
using AppKernel.Platform;
using AppKernel.Platform.Confinement;
using Xunit;

namespace AppKernel.Tests.Platform;

/// <summary>ThreadSteps runs raw calls on a chosen thread of this process by signal, and on the caller by a call: the
/// way confinement reaches the .NET finalizer thread without a garbage collection.</summary>
public sealed unsafe class ThreadStepsTests
{
    const int SYS_prctl = 157, SYS_setns = 308, SYS_gettid = 186, PR_SET_NAME = 15;

    static string Comm(int tid) => File.ReadAllText($"/proc/self/task/{tid}/comm").Trim();

    static long Name(string name) => ThreadSteps.Blob(Encoding.ASCII.GetBytes(name + "\0"));

    /// <summary>A thread blocked in a wait (as the finalizer is), and its tid.</summary>
    static (Thread Thread, ManualResetEventSlim Release, int Tid) Sleeper()
    {
        var release = new ManualResetEventSlim();
        int tid = 0;
        var started = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            tid = (int)AppKernel.Platform.Native.Host.syscall(SYS_gettid, 0, 0, 0);
            started.Set();
            release.Wait();
        }) { IsBackground = true };
        t.Start();
        started.Wait();
        return (t, release, tid);
    }

    [Fact]
    public void Steps_run_on_the_signalled_thread_and_not_on_the_caller()
    {
        var (thread, release, tid) = Sleeper();
        int self = (int)AppKernel.Platform.Native.Host.syscall(SYS_gettid, 0, 0, 0);
        string before = Comm(self);
        var steps = new ThreadSteps();
        steps.Add(SYS_prctl, PR_SET_NAME, Name("stepped-there"));
        Assert.True(steps.TryRunOn(tid, 5000, out var e, out int failed));
        Assert.Equal(Errno.None, e);
        Assert.Equal(-1, failed);
        Assert.Equal("stepped-there", Comm(tid));
        Assert.Equal(before, Comm(self));
        // The thread goes on waiting after the handler, and wakes when told to.
        Assert.True(thread.IsAlive);
        release.Set();
        Assert.True(thread.Join(5000));
    }

    [Fact]
    public void Steps_stop_at_the_first_failure_but_pass_a_tolerated_errno()
    {
        var (thread, release, tid) = Sleeper();
        var steps = new ThreadSteps();
        steps.Add(SYS_setns, -1, 0, tolerated: Errno.EBADF);   // fails, tolerated
        steps.Add(SYS_prctl, PR_SET_NAME, Name("first"));
        steps.Add(SYS_setns, -1, 0);                            // fails: the steps stop here
        steps.Add(SYS_prctl, PR_SET_NAME, Name("never"));
        Assert.True(steps.TryRunOn(tid, 5000, out var e, out int failed));
        Assert.Equal(Errno.EBADF, e);
        Assert.Equal(2, failed);
        Assert.Equal("first", Comm(tid));
        release.Set();
        thread.Join(5000);
    }

    [Fact]
    public void RunHere_runs_the_same_steps_on_the_caller()
    {
        // On a thread of its own: the name set is the thread's.
        Exception? error = null;
        var runner = new Thread(() =>
        {
            int self = (int)AppKernel.Platform.Native.Host.syscall(SYS_gettid, 0, 0, 0);
            var steps = new ThreadSteps();
            steps.Add(SYS_prctl, PR_SET_NAME, Name("stepped-here"));
            try
            {
                Assert.Equal(Errno.None, steps.RunHere(out int failed));
                Assert.Equal(-1, failed);
                Assert.Equal("stepped-here", Comm(self));
                var bad = new ThreadSteps();
                bad.Add(SYS_setns, -1, 0);
                Assert.Equal(Errno.EBADF, bad.RunHere(out failed));
                Assert.Equal(0, failed);
            }
            catch (Exception ex) { error = ex; }
        });
        runner.Start();
        runner.Join();
        Assert.Null(error);
    }

    [Fact]
    public void A_thread_that_is_gone_is_reported_not_waited_for()
    {
        var (thread, release, tid) = Sleeper();
        release.Set();
        thread.Join();
        // The tid may take a moment to leave the thread group.
        for (int i = 0; i < 100 && Directory.Exists($"/proc/self/task/{tid}"); i++) Thread.Sleep(10);
        var steps = new ThreadSteps();
        steps.Add(SYS_prctl, PR_SET_NAME, Name("nobody"));
        Assert.False(steps.TryRunOn(tid, 5000, out _, out _));
    }
}
