using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Oci;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc update [--resources FILE|-] [--memory N] [--pids-limit N] ... ID`: changes the limits of a
/// container's cgroup, as runc's flags do (`docker update` sends the resources JSON on stdin).</summary>
public static class UpdateCommand
{
    static readonly Option<string?> Resources = new("--resources", "-r") { Description = "linux.resources JSON from a file, or - for stdin" };
    static readonly Option<string?> Memory = new("--memory") { Description = "memory limit (bytes, or with k/m/g)" };
    static readonly Option<string?> MemoryReservation = new("--memory-reservation") { Description = "memory soft limit" };
    static readonly Option<string?> MemorySwap = new("--memory-swap") { Description = "memory plus swap limit (-1: unlimited)" };
    static readonly Option<string?> KernelMemory = new("--kernel-memory") { Description = "accepted for runc compatibility (ignored, as runc does)" };
    static readonly Option<long?> PidsLimit = new("--pids-limit") { Description = "maximum number of host tasks (0 or less: no limit)" };
    static readonly Option<ulong?> CpuShares = new("--cpu-share") { Description = "CPU shares (relative weight)" };
    static readonly Option<ulong?> CpuPeriod = new("--cpu-period") { Description = "CFS period, microseconds" };
    static readonly Option<long?> CpuQuota = new("--cpu-quota") { Description = "CFS quota per period, microseconds (-1: none)" };
    static readonly Option<string?> CpusetCpus = new("--cpuset-cpus") { Description = "CPUs to run on (e.g. 0-1)" };
    static readonly Option<string?> CpusetMems = new("--cpuset-mems") { Description = "memory nodes to allocate from" };
    static readonly Option<ushort?> BlkioWeight = new("--blkio-weight") { Description = "block I/O weight (10-1000)" };
    static readonly Argument<string> Id = new("container-id");

    public static Command Create()
    {
        var cmd = new Command("update", "Change the resource limits of a container.")
        {
            Resources, Memory, MemoryReservation, MemorySwap, KernelMemory, PidsLimit, CpuShares, CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, BlkioWeight, Id,
        };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "update", ctx =>
        {
            var r = FromFlags(p);
            using var c = Container.Open(ctx.Root, p.GetValue(Id)!);
            if (c.Status() == Container.Stopped) throw new RuntimeException($"container {c.Id} is not running");
            var cg = Cgroup.At(c.Record.CgroupPath) ?? throw new RuntimeException($"container {c.Id} has no cgroup (its linux.cgroupsPath was empty)");
            try { CgroupResources.Apply(cg, r, ctx.Log); }
            catch (IOException e) { throw new RuntimeException(e.Message); }
            return 0;
        }));
        return cmd;
    }

    static SpecResources FromFlags(ParseResult p)
    {
        SpecResources r;
        if (p.GetValue(Resources) is { } src)
        {
            try
            {
                var text = src == "-" ? Console.In.ReadToEnd() : File.ReadAllText(src);
                r = JsonSerializer.Deserialize(text, OciJson.Default.SpecResources) ?? new SpecResources();
            }
            catch (JsonException e) { throw new RuntimeException($"--resources: not valid JSON: {e.Message}"); }
            catch (IOException e) { throw new RuntimeException($"--resources {src}: {e.Message}"); }
        }
        else r = new SpecResources();
        if (p.GetValue(Memory) is { } m) (r.Memory ??= new()).Limit = Bytes("--memory", m);
        if (p.GetValue(MemoryReservation) is { } mr) (r.Memory ??= new()).Reservation = Bytes("--memory-reservation", mr);
        if (p.GetValue(MemorySwap) is { } ms) (r.Memory ??= new()).Swap = Bytes("--memory-swap", ms);
        if (p.GetValue(PidsLimit) is { } pl) r.Pids = new SpecPids { Limit = pl };
        if (p.GetValue(CpuShares) is { } sh) (r.Cpu ??= new()).Shares = sh;
        if (p.GetValue(CpuPeriod) is { } per) (r.Cpu ??= new()).Period = per;
        if (p.GetValue(CpuQuota) is { } q) (r.Cpu ??= new()).Quota = q;
        if (p.GetValue(CpusetCpus) is { } cc) (r.Cpu ??= new()).Cpus = cc;
        if (p.GetValue(CpusetMems) is { } cm) (r.Cpu ??= new()).Mems = cm;
        if (p.GetValue(BlkioWeight) is { } bw) r.BlockIO = new SpecBlockIO { Weight = bw };
        return r;
    }

    /// <summary>A size as docker's units.RAMInBytes reads it: a number with an optional k/m/g/t/p (binary) and b; -1
    /// means unlimited.</summary>
    public static long Bytes(string flag, string s)
    {
        var t = s.Trim().ToLowerInvariant();
        if (t == "-1") return -1;
        if (t.EndsWith("ib")) t = t[..^2];
        else if (t.EndsWith('b')) t = t[..^1];
        long scale = 1;
        if (t.Length > 0 && "kmgtp".IndexOf(t[^1]) is var u and >= 0)
        {
            scale = 1L << (10 * (u + 1));
            t = t[..^1];
        }
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 0)
            throw new RuntimeException($"{flag} {s}: not a size (e.g. 64m, 1g, 1048576)");
        return (long)(n * scale);
    }
}
