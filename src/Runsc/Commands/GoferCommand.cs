using System.CommandLine;
using AppKernel.Gofer;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc gofer --root DIR [--writable] --sock-fd N`: the file server of one sandbox (internal; started by runsc itself).</summary>
public static class GoferCommand
{
    static readonly Option<string> Root = new("--root") { Description = "directory to serve as the sandbox's root file system", Required = true };
    static readonly Option<bool> Writable = new("--writable") { Description = "allow changes (default: read-only, every change is EROFS)" };
    static readonly Option<int> SockFd = new("--sock-fd") { Description = "fd of the SOCK_SEQPACKET socket to the Sentry", Required = true };
    static readonly Option<string[]> Mounts = new("--mount") { Description = "FD:rw|ro:SOURCE — also serve SOURCE (a bind mount) on socket FD", AllowMultipleArgumentsPerToken = false,
        // Without a factory the empty default is made by reflection (Array.CreateInstance), ~0.4 ms of every sandbox's start.
        DefaultValueFactory = _ => [] };

    public static Command Create()
    {
        var cmd = new Command("gofer", "Serve a root file system to the Sentry (internal).")
        {
            Root, Writable, SockFd, Mounts,
        };
        cmd.Hidden = true;
        cmd.SetAction(parse => Run(parse.GetValue(Root)!, parse.GetValue(Writable), parse.GetValue(SockFd), parse.GetValue(Mounts)!));
        return cmd;
    }

    static int Run(string root, bool writable, int sockFd, string[] mountArgs)
    {
        var mounts = new List<GoferMount>();
        foreach (var m in mountArgs)
        {
            var parts = m.Split(':', 3);
            if (parts.Length != 3 || !int.TryParse(parts[0], out int fd) || parts[1] is not ("rw" or "ro") || parts[2].Length == 0)
            {
                Console.Error.WriteLine($"runsc gofer: --mount {m}: expected FD:rw|ro:SOURCE");
                return 2;
            }
            mounts.Add(new GoferMount(parts[2], parts[1] == "rw", fd));
        }
        // stderr's writer now, before the seccomp filter; the factory only if a line is logged (the gofer logs only
        // what goes wrong), since making it and its logger cost ~0.5 ms of every sandbox's start.
        var stderr = Console.Error;
        using var log = new Logging.DeferredLogger(LogLevel.Warning,
            () => Logging.Loggers.Create(new Logging.TextLoggerProvider(stderr, LogLevel.Warning, false)), "gofer");
        return GoferMain.Run(root, writable, sockFd, mounts, log);
    }
}
