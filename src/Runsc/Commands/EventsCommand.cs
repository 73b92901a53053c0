using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc events [--stats] [--interval D] ID`: the container's cgroup statistics as runc's JSON events —
/// once with --stats, else every interval (and an "oom" event when the cgroup's OOM killer struck) until the
/// container's sandbox is gone.</summary>
public static class EventsCommand
{
    static readonly Option<bool> Stats = new("--stats") { Description = "print the statistics once and exit" };
    static readonly Option<string> Interval = new("--interval") { Description = "time between statistics (Go duration, e.g. 5s)", DefaultValueFactory = _ => "5s" };
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("events", "Print the container's resource statistics and OOM events.") { Stats, Interval, Id };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "events", ctx =>
        {
            string id = p.GetValue(Id)!;
            var interval = ParseDuration(p.GetValue(Interval)!) ?? throw new RuntimeException($"--interval {p.GetValue(Interval)}: not a duration (e.g. 5s, 500ms)");
            if (interval <= TimeSpan.Zero) throw new RuntimeException("--interval: must be positive");
            Cgroup cg;
            ContainerRecord record;
            using (var c = Container.Open(ctx.Root, id))
            {
                if (c.Status() == Container.Stopped) throw new RuntimeException($"container {id} is not running");
                record = c.Record;
                cg = Cgroup.At(record.CgroupPath) ?? throw new RuntimeException($"container {id} has no cgroup (its linux.cgroupsPath was empty): no statistics");
            }
            if (p.GetValue(Stats))
            {
                Print(new RuntimeEvent { Type = "stats", Id = id, Data = CgroupStats.Read(cg) });
                return 0;
            }
            // Not under the container's lock: a stream must not hold up kill or delete.
            ulong ooms = CgroupStats.OomKills(cg);
            while (HostProcess.IsAlive(record.Pid, record.PidStartTime))
            {
                ulong now = CgroupStats.OomKills(cg);
                if (now > ooms) Print(new RuntimeEvent { Type = "oom", Id = id });
                ooms = now;
                Print(new RuntimeEvent { Type = "stats", Id = id, Data = CgroupStats.Read(cg) });
                Thread.Sleep(interval);
            }
            return 0;
        }));
        return cmd;
    }

    static void Print(RuntimeEvent e)
    {
        Console.WriteLine(JsonSerializer.Serialize(e, EventsJson.Default.RuntimeEvent));
        Console.Out.Flush();
    }

    /// <summary>Go's time.ParseDuration for the units runc users write: ns, us, ms, s, m, h, combined ("1m30s").</summary>
    public static TimeSpan? ParseDuration(string s)
    {
        if (s.Length == 0) return null;
        double total = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
            if (!double.TryParse(s[start..i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)) return null;
            int u = i;
            while (i < s.Length && char.IsLetter(s[i])) i++;
            double scale = s[u..i] switch { "ns" => 1e-6, "us" or "µs" => 1e-3, "ms" => 1, "s" => 1e3, "m" => 60e3, "h" => 3600e3, _ => -1 };
            if (scale < 0) return null;
            total += n * scale;
        }
        return TimeSpan.FromMilliseconds(total);
    }
}
