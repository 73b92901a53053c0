using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc wait ID`: waits for the container's init to exit and prints {"id", "exitStatus"} (gVisor's).</summary>
public static class WaitCommand
{
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("wait", "Wait for the container's process to exit and print its status.") { Id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "wait", ctx =>
        {
            string id = p.GetValue(Id)!;
            string dir;
            ControlReply? reply;
            // Not under the container's lock: waiting must not hold up kill or delete.
            using (var c = Container.Open(ctx.Root, id)) dir = c.Dir;
            reply = ControlChannel.Call(dir, new ControlRequest { Op = ControlOps.Wait });
            int status = reply?.ExitStatus ?? StateStore.ReadExitStatus(dir)
                ?? throw new RuntimeException($"container {id} ended without an exit status (its sandbox was killed)");
            Console.WriteLine(JsonSerializer.Serialize(new WaitResult { Id = id, ExitStatus = status }, RuntimeJson.Default.WaitResult));
            return 0;
        }));
        return cmd;
    }
}
