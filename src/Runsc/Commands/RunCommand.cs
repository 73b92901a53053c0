using System.CommandLine;
using System.Runtime.InteropServices;
using AppKernel.Platform.Native;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc run [--bundle B] [--detach] [--pid-file F] ID`: create and start; without --detach, wait for the
/// container's process, exit with its status and delete the container.</summary>
public static class RunCommand
{
    static readonly Option<bool> Detach = new("--detach", "-d") { Description = "return once the container has started" };
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("run", "Create and start a container, and (without --detach) wait for it.")
        {
            CreateCommand.BundleOpt, CreateCommand.PidFile, CreateCommand.ConsoleSocket, CreateCommand.NoPivot,
            CreateCommand.NoNewKeyring, CreateCommand.PreserveFds, Detach, Id,
        };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "run", ctx => Run(ctx, p)));
        return cmd;
    }

    static unsafe int Run(RuntimeContext ctx, ParseResult p)
    {
        string id = p.GetValue(Id)!;
        int pid;
        using (var c = CreateCommand.CreateContainer(ctx, id, p.GetValue(CreateCommand.BundleOpt), p.GetValue(CreateCommand.PidFile),
                   p.GetValue(CreateCommand.ConsoleSocket), p.GetValue(CreateCommand.PreserveFds)))
        {
            try { StartCommand.Start(c, ctx.Log); }
            catch (RuntimeException)
            {
                c.Destroy(ctx.Log);
                throw;
            }
            pid = c.Record.Pid;
        }
        if (p.GetValue(Detach)) return 0;

        // Signals to `run` go to the container, as runc forwards them to its process.
        int ws, r;
        using (new SignalForwarding(nr => ControlChannel.Call(StateStore.Dir(ctx.Root, id), new ControlRequest { Op = ControlOps.Signal, Signal = nr })))
            do r = Host.waitpid(pid, &ws, 0); while (r < 0 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINTR);
        int status = (ws & 0x7f) == 0 ? (ws >> 8) & 0xff : 128 + (ws & 0x7f);
        using (var c = Container.Open(ctx.Root, id)) DeleteCommand.Delete(c, force: true, ctx.Log);
        return status;
    }
}
