using System.CommandLine;
using AppKernel.Runsc.Runtime;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc delete [--force] ID`: removes a stopped or created container (with --force a running one too):
/// its sandbox, gofer and state directory.</summary>
public static class DeleteCommand
{
    static readonly Option<bool> Force = new("--force", "-f") { Description = "kill the container first if it is running" };
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("delete", "Delete a container and everything it holds.") { Force, Id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "delete", ctx =>
        {
            string id = p.GetValue(Id)!;
            bool force = p.GetValue(Force);
            StateStore.CheckId(id);
            if (!Directory.Exists(StateStore.Dir(ctx.Root, id)) && force) return 0; // runc: nothing to force away
            using var c = Container.Open(ctx.Root, id);
            Delete(c, force, ctx.Log);
            return 0;
        }));
        return cmd;
    }

    internal static void Delete(Container c, bool force, ILogger log)
    {
        var status = c.Status();
        if (status is Container.Running or Container.Paused && !force)
            throw new RuntimeException($"cannot delete container {c.Id} that is not stopped: {status}");
        var state = c.State(Container.Stopped);
        c.Destroy(log);
        // A poststop hook that fails is a warning: the container is gone (config.md).
        try { Hooks.Run("poststop", c.Record.Hooks?.Poststop, state); }
        catch (RuntimeException e) { log.LogWarning("{Message}", e.Message); }
    }
}
