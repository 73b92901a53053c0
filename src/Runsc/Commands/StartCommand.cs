using System.CommandLine;
using AppKernel.Runsc.Runtime;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc start ID`: runs the process of a created container.</summary>
public static class StartCommand
{
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("start", "Start a created container's process.") { Id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "start", ctx =>
        {
            using var c = Container.Open(ctx.Root, p.GetValue(Id)!);
            Start(c, ctx.Log);
            return 0;
        }));
        return cmd;
    }

    internal static void Start(Container c, ILogger log)
    {
        var status = c.Status();
        if (status != Container.Created) throw new RuntimeException($"cannot start a container that is {status}: {c.Id}");
        var reply = c.Call(new ControlRequest { Op = ControlOps.Start }) ?? throw new RuntimeException($"the sandbox of {c.Id} is gone");
        if (reply.Error != null) throw new RuntimeException($"{c.Id}: {reply.Error}");
        // A poststart hook that fails is a warning: the container runs (config.md).
        try { Hooks.Run("poststart", c.Record.Hooks?.Poststart, c.State(Container.Running)); }
        catch (RuntimeException e) { log.LogWarning("{Message}", e.Message); }
    }
}
