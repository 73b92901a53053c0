using System.Text.Json;
using AppKernel.Platform.Native;
using AppKernel.Runsc.Oci;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// Runs a bundle's hooks on the host, as config.md says: each with its path, args and env, the container's state
/// JSON on stdin, killed at its timeout. createRuntime and prestart run when `create` has the sandbox ready (a
/// failure fails the create), poststart after `start`, poststop after `delete` (their failures are logged).
/// createContainer and startContainer would run inside the container's namespaces, which a sandbox has none of:
/// they are refused (`Check`).
/// </summary>
public static class Hooks
{
    public static void Check(Bundle b)
    {
        var h = b.Spec.Hooks;
        if (h == null) return;
        if (h.CreateContainer is { Count: > 0 }) throw new BundleException($"{Path.Combine(b.Dir, "config.json")}: hooks.createContainer: hooks inside the container's namespaces are not supported");
        if (h.StartContainer is { Count: > 0 }) throw new BundleException($"{Path.Combine(b.Dir, "config.json")}: hooks.startContainer: hooks inside the container's namespaces are not supported");
        foreach (var (name, list) in All(h))
            for (int i = 0; i < list.Count; i++)
                if (list[i]?.Path is not { Length: > 0 } p || !p.StartsWith('/'))
                    throw new BundleException($"{Path.Combine(b.Dir, "config.json")}: hooks.{name}[{i}].path: must be an absolute path");
    }

    static IEnumerable<(string, List<SpecHook>)> All(SpecHooks h)
    {
        if (h.Prestart != null) yield return ("prestart", h.Prestart);
        if (h.CreateRuntime != null) yield return ("createRuntime", h.CreateRuntime);
        if (h.Poststart != null) yield return ("poststart", h.Poststart);
        if (h.Poststop != null) yield return ("poststop", h.Poststop);
    }

    /// <summary>Runs each hook in order; throws <see cref="RuntimeException"/> naming the first that failed.</summary>
    public static void Run(string stage, IReadOnlyList<SpecHook>? hooks, OciState state)
    {
        if (hooks == null) return;
        var stdin = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(state, RuntimeJson.Default.OciState));
        for (int i = 0; i < hooks.Count; i++)
        {
            var h = hooks[i];
            string what = $"{stage} hook {i} ({h.Path})";
            var (status, err) = RunOne(h, stdin, what);
            if (status != 0) throw new RuntimeException($"{what} exited {status}: {err.Trim()}");
        }
    }

    /// <summary>One hook, with args[0] as its argv[0] exactly (Docker's network hook is dockerd re-exec'd under the
    /// name libnetwork-setkey), the state on stdin, stderr kept for the message, and its timeout. Returns its exit
    /// status (128+N for a signal).</summary>
    static unsafe (int Status, string Stderr) RunOne(SpecHook h, byte[] stdin, string what)
    {
        int* inPipe = stackalloc int[2], errPipe = stackalloc int[2];
        if (pipe2(inPipe, O_CLOEXEC) != 0) throw new RuntimeException($"{what}: pipe: errno {errno}");
        if (pipe2(errPipe, O_CLOEXEC) != 0)
        {
            close(inPipe[0]); close(inPipe[1]);
            throw new RuntimeException($"{what}: pipe: errno {errno}");
        }
        var argv = h.Args is { Count: > 0 } a ? a : [h.Path!];
        var options = new ProcessSpawner.Options { Path = h.Path, Env = h.Env }; // no env: runsc's, as runc's Go exec does
        options.Dup2.Add((inPipe[0], 0));
        options.Open.Add((1, "/dev/null", O_WRONLY));
        options.Dup2.Add((errPipe[1], 2));
        int pid = ProcessSpawner.Spawn(argv, options);
        close(inPipe[0]);
        close(errPipe[1]);
        if (pid < 0)
        {
            close(inPipe[1]); close(errPipe[0]);
            throw new RuntimeException($"{what}: cannot start: {(Errno)(-pid)}");
        }
        using var errStream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(errPipe[0], true), FileAccess.Read);
        var err = new StreamReader(errStream).ReadToEndAsync();
        // Unbuffered, so a hook that exits without reading (EPIPE) fails the write here, not a flush at dispose.
        try
        {
            using var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(inPipe[1], true), FileAccess.Write, 0);
            input.Write(stdin);
        }
        catch (IOException) { } // a hook need not read its stdin
        var deadline = h.Timeout is > 0 ? Environment.TickCount64 + h.Timeout.Value * 1000L : long.MaxValue;
        int ws;
        while (true)
        {
            int r = Host.waitpid(pid, &ws, 1 /* WNOHANG */);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) throw new RuntimeException($"{what}: waitpid: errno {errno}");
            if (Environment.TickCount64 >= deadline)
            {
                kill(-pid, SIGKILL); // its session, so what it started goes too
                Host.waitpid(pid, &ws, 0);
                throw new RuntimeException($"{what}: timed out after {h.Timeout} s");
            }
            Thread.Sleep(5);
        }
        string text = err.Wait(TimeSpan.FromSeconds(5)) ? err.Result : "";
        return ((ws & 0x7f) == 0 ? (ws >> 8) & 0xff : 128 + (ws & 0x7f), text);
    }
}
