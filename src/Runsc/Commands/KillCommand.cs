using System.CommandLine;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc kill [--all] ID [SIGNAL]`: signals the container's init (or every process), SIGTERM by default.
/// A created container can be signalled: a signal that is not ignored by default ends it before it runs.</summary>
public static class KillCommand
{
    static readonly Option<bool> All = new("--all", "-a") { Description = "signal every process of the container" };
    static readonly Argument<string> Id = new("container-id");
    static readonly Argument<string?> Sig = new("signal") { Arity = ArgumentArity.ZeroOrOne, Description = "name (TERM, SIGTERM) or number; default SIGTERM" };

    public static Command Create()
    {
        var cmd = new Command("kill", "Send a signal to the container's process.") { All, Id, Sig };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "kill", ctx =>
        {
            int sig = SignalNames.Parse(p.GetValue(Sig) ?? "SIGTERM");
            using var c = Container.Open(ctx.Root, p.GetValue(Id)!);
            var status = c.Status();
            if (status is Container.Stopped or Container.Creating) throw new RuntimeException($"container {c.Id} is not running");
            var reply = c.Call(new ControlRequest { Op = ControlOps.Signal, Signal = sig, All = p.GetValue(All) })
                ?? throw new RuntimeException($"container {c.Id} is not running");
            if (reply.Error != null) throw new RuntimeException($"{c.Id}: {reply.Error}");
            return 0;
        }));
        return cmd;
    }
}

/// <summary>Signal names as kill(1) and runc take them.</summary>
public static class SignalNames
{
    static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    public static int Parse(string s)
    {
        if (int.TryParse(s, out var n))
            return n is > 0 and <= 64 ? n : throw new RuntimeException($"invalid signal: {s}");
        var name = s.ToUpperInvariant();
        if (name.StartsWith("SIG")) name = name[3..];
        if (name == "IOT") return 6;
        if (name == "POLL") return 29;
        if (name.StartsWith("RTMIN") || name.StartsWith("RTMAX"))
        {
            int rel = name.Length > 5 && int.TryParse(name[5..], out var k) ? k : 0;
            int v = name.StartsWith("RTMIN") ? 34 + rel : 64 + rel;
            if (v is >= 34 and <= 64) return v;
        }
        int i = Array.IndexOf(Names, name);
        return i > 0 ? i : throw new RuntimeException($"unknown signal \"{s}\"");
    }
}
