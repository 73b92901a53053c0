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

    public static Command Create()
    {
        var cmd = new Command("gofer", "Serve a root file system to the Sentry (internal).")
        {
            Root, Writable, SockFd,
        };
        cmd.Hidden = true;
        cmd.SetAction(parse => Run(parse.GetValue(Root)!, parse.GetValue(Writable), parse.GetValue(SockFd)));
        return cmd;
    }

    static int Run(string root, bool writable, int sockFd)
    {
        using var factory = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace);
            b.AddProvider(new Logging.TextLoggerProvider(Console.Error, LogLevel.Warning, false));
        });
        return GoferMain.Run(root, writable, sockFd, factory.CreateLogger("gofer"));
    }
}
