using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc state ID`: the container's OCI state as JSON.</summary>
public static class StateCommand
{
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("state", "Print the container's state (OCI state JSON).") { Id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "state", ctx =>
        {
            using var c = Container.Open(ctx.Root, p.GetValue(Id)!);
            Console.WriteLine(JsonSerializer.Serialize(c.State(c.Status()), IndentedRuntimeJson.Default.OciState));
            return 0;
        }));
        return cmd;
    }
}
