using System.Diagnostics;
using System.Text.Json;
using AppKernel.Runsc.Oci;

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
        var stdin = JsonSerializer.Serialize(state, RuntimeJson.Default.OciState);
        for (int i = 0; i < hooks.Count; i++)
        {
            var h = hooks[i];
            var psi = new ProcessStartInfo(h.Path!) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true };
            // args[0] is the hook's argv[0] (config.md); .NET puts the path there itself.
            foreach (var a in (h.Args ?? []).Skip(1)) psi.ArgumentList.Add(a);
            if (h.Env != null)
            {
                psi.Environment.Clear();
                foreach (var kv in h.Env)
                {
                    int eq = kv.IndexOf('=');
                    if (eq > 0) psi.Environment[kv[..eq]] = kv[(eq + 1)..];
                }
            }
            Process p;
            try { p = Process.Start(psi)!; }
            catch (Exception e) { throw new RuntimeException($"{stage} hook {i} ({h.Path}): cannot start: {e.Message}"); }
            using (p)
            {
                var err = p.StandardError.ReadToEndAsync();
                try
                {
                    p.StandardInput.Write(stdin);
                    p.StandardInput.Close();
                }
                catch (IOException) { } // a hook need not read its stdin
                if (!p.WaitForExit(h.Timeout is > 0 ? h.Timeout.Value * 1000 : -1))
                {
                    p.Kill(entireProcessTree: true);
                    throw new RuntimeException($"{stage} hook {i} ({h.Path}): timed out after {h.Timeout} s");
                }
                p.WaitForExit();
                if (p.ExitCode != 0) throw new RuntimeException($"{stage} hook {i} ({h.Path}) exited {p.ExitCode}: {err.Result.Trim()}");
            }
        }
    }
}
