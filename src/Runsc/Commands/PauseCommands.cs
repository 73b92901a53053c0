using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc pause ID`, `runsc resume ID` and `runsc ps [--format table|json] ID`: requests to a running sandbox.</summary>
public static class PauseCommands
{
    public static Command Pause() => Simple(ControlOps.Pause, "Freeze every process of the container.");
    public static Command Resume() => Simple(ControlOps.Resume, "Let a paused container run again.");

    static Command Simple(string op, string description)
    {
        var id = new Argument<string>("container-id");
        var cmd = new Command(op, description) { id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, op, ctx =>
        {
            using var c = Container.Open(ctx.Root, p.GetValue(id)!);
            var reply = c.Call(new ControlRequest { Op = op }) ?? throw new RuntimeException($"container {c.Id} is not running");
            if (reply.Error != null) throw new RuntimeException($"{c.Id}: {reply.Error}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>json: the host pids of the container's processes (runc's format, which `docker top` reads); table: the
    /// sandbox's own view.</summary>
    public static Command Ps()
    {
        var id = new Argument<string>("container-id");
        var format = new Option<string>("--format", "-f") { DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var cmd = new Command("ps", "List the container's processes.") { format, id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "ps", ctx =>
        {
            using var c = Container.Open(ctx.Root, p.GetValue(id)!);
            var reply = c.Call(new ControlRequest { Op = ControlOps.Ps }) ?? throw new RuntimeException($"container {c.Id} is not running");
            if (reply.Error != null) throw new RuntimeException($"{c.Id}: {reply.Error}");
            var procs = reply.Processes ?? [];
            if (p.GetValue(format) == "json")
                Console.WriteLine(JsonSerializer.Serialize(procs.Where(x => x.HostPid > 0).Select(x => x.HostPid).ToList(), RuntimeJson.Default.ListInt32));
            else
            {
                Console.WriteLine($"{"UID",-8} {"PID",-8} {"PPID",-8} {"HOST PID",-10} CMD");
                foreach (var x in procs) Console.WriteLine($"{x.Uid,-8} {x.Pid,-8} {x.Ppid,-8} {x.HostPid,-10} {x.Cmd}");
            }
            return 0;
        }));
        return cmd;
    }
}
