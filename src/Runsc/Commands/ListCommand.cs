using System.CommandLine;
using System.Text;
using System.Text.Json;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc list [--format table|json] [--quiet]`: the containers under --root, as runc lists them.</summary>
public static class ListCommand
{
    static readonly Option<string> Format = new Option<string>("--format", "-f") { DefaultValueFactory = _ => "table", Description = "table or json" }
        .AcceptOnlyFromAmong("table", "json");
    static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "print only the IDs" };

    public static Command Create()
    {
        var cmd = new Command("list", "List the containers.") { Format, Quiet };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "list", ctx =>
        {
            var states = new List<OciState>();
            foreach (var id in StateStore.List(ctx.Root))
            {
                try
                {
                    using var c = Container.Open(ctx.Root, id);
                    states.Add(c.State(c.Status()));
                }
                catch (RuntimeException) { } // deleted meanwhile
            }
            if (p.GetValue(Quiet))
                foreach (var s in states) Console.WriteLine(s.Id);
            else if (p.GetValue(Format) == "json")
                Console.WriteLine(JsonSerializer.Serialize(states, RuntimeJson.Default.ListOciState));
            else Console.Write(Table(states));
            return 0;
        }));
        return cmd;
    }

    /// <summary>runc's tabwriter layout: columns at least 12 wide, 3 spaces of padding.</summary>
    static string Table(List<OciState> states)
    {
        var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
        foreach (var s in states)
            rows.Add([s.Id, s.Pid.ToString(), s.Status, s.Bundle, s.Created.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ"), s.Owner.Length > 0 ? s.Owner : "root"]);
        var widths = new int[6];
        foreach (var r in rows)
            for (int i = 0; i < 5; i++) widths[i] = Math.Max(widths[i], Math.Max(12, r[i].Length + 3) - 0);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int i = 0; i < 5; i++) sb.Append(r[i].PadRight(Math.Max(12, widths[i])));
            sb.Append(r[5]).Append('\n');
        }
        return sb.ToString();
    }
}
