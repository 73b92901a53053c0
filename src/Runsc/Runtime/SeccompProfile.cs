using AppKernel.Runsc.Oci;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Syscalls;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// linux.seccomp → the Sentry's <see cref="SyscallFilter"/>: the profile is enforced on the guest's calls inside the
/// sandbox (a denied call gets the profile's errno; kill and trap actions deliver SIGSYS). Names the kernel does not
/// know are skipped, as libseccomp skips them; an action or comparison it does not know, or a notify listener, is
/// refused naming the field.
/// </summary>
public static class SeccompProfile
{
    const int EPERM = 1;

    public static SyscallFilter? From(Bundle b)
    {
        var sc = b.Spec.Linux?.Seccomp;
        if (sc == null) return null;
        if (sc.Architectures is { Count: > 0 } archs && !archs.Contains("SCMP_ARCH_X86_64"))
            throw Field(b, "linux.seccomp.architectures", "the sandbox runs x86-64 programs only; SCMP_ARCH_X86_64 must be listed");
        if (!string.IsNullOrEmpty(sc.ListenerPath)) throw Field(b, "linux.seccomp.listenerPath", "user notification (SCMP_ACT_NOTIFY) is not supported");
        var def = Action(b, "linux.seccomp.defaultAction", sc.DefaultAction ?? "");
        var filter = new SyscallFilter(def, sc.DefaultErrnoRet ?? EPERM);
        for (int i = 0; i < (sc.Syscalls?.Count ?? 0); i++)
        {
            var rule = sc.Syscalls![i];
            var action = Action(b, $"linux.seccomp.syscalls[{i}].action", rule.Action ?? "");
            var args = new List<FilterArg>();
            for (int j = 0; j < (rule.Args?.Count ?? 0); j++)
            {
                var a = rule.Args![j];
                if (a.Index is < 0 or > 5) throw Field(b, $"linux.seccomp.syscalls[{i}].args[{j}].index", $"{a.Index} is not an argument (0-5)");
                args.Add(new FilterArg(a.Index, a.Value, a.ValueTwo, Op(b, $"linux.seccomp.syscalls[{i}].args[{j}].op", a.Op ?? "")));
            }
            var r = new FilterRule(action, rule.ErrnoRet ?? EPERM, [.. args]);
            foreach (var name in rule.Names ?? [])
            {
                int nr = Array.IndexOf(SyscallNames.Names, name);
                if (nr >= 0) filter.Add(nr, r);
            }
        }
        return filter;
    }

    static FilterAction Action(Bundle b, string field, string name) => name switch
    {
        "SCMP_ACT_ALLOW" => FilterAction.Allow,
        "SCMP_ACT_ERRNO" => FilterAction.Errno,
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => FilterAction.KillThread,
        "SCMP_ACT_KILL_PROCESS" => FilterAction.KillProcess,
        "SCMP_ACT_TRAP" => FilterAction.Trap,
        "SCMP_ACT_TRACE" => FilterAction.Trace,
        "SCMP_ACT_LOG" => FilterAction.Log,
        "SCMP_ACT_NOTIFY" => throw Field(b, field, "user notification (SCMP_ACT_NOTIFY) is not supported"),
        _ => throw Field(b, field, $"{(name.Length > 0 ? name : "(none)")} is not a seccomp action"),
    };

    static FilterOp Op(Bundle b, string field, string name) => name switch
    {
        "SCMP_CMP_NE" => FilterOp.NotEqual,
        "SCMP_CMP_LT" => FilterOp.Less,
        "SCMP_CMP_LE" => FilterOp.LessOrEqual,
        "SCMP_CMP_EQ" => FilterOp.Equal,
        "SCMP_CMP_GE" => FilterOp.GreaterOrEqual,
        "SCMP_CMP_GT" => FilterOp.Greater,
        "SCMP_CMP_MASKED_EQ" => FilterOp.MaskedEqual,
        _ => throw Field(b, field, $"{(name.Length > 0 ? name : "(none)")} is not a seccomp comparison"),
    };

    static BundleException Field(Bundle b, string field, string why) => new($"{Path.Combine(b.Dir, "config.json")}: {field}: {why}");
}
