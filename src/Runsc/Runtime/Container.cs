namespace AppKernel.Runsc.Runtime;

/// <summary>One container of the state directory, locked for the command that opened it: its record, its status
/// asked of the sandbox, and the teardown every exit path of `delete` shares.</summary>
public sealed class Container : IDisposable
{
    public const string Creating = "creating", Created = "created", Running = "running", Paused = "paused", Stopped = "stopped";
    const int SIGKILL = 9;

    readonly ContainerLock _lock;
    public ContainerRecord Record { get; }
    public string Dir => _lock.Dir;
    public string Id => Record.Id;

    Container(ContainerLock l, ContainerRecord r)
    {
        _lock = l;
        Record = r;
    }

    public static Container Open(string root, string id)
    {
        var l = StateStore.Open(root, id);
        try { return new Container(l, StateStore.Read(l.Dir)); }
        catch
        {
            l.Dispose();
            throw;
        }
    }

    public bool SandboxAlive => HostProcess.IsAlive(Record.Pid, Record.PidStartTime);

    /// <summary>creating (no sandbox recorded yet), created, running, paused or stopped (the sandbox is gone, or
    /// its init ended and it is on its way out).</summary>
    public string Status()
    {
        if (Record.Pid == 0) return Creating;
        if (!SandboxAlive) return Stopped;
        return Call(new ControlRequest { Op = ControlOps.State })?.Status ?? Stopped;
    }

    public ControlReply? Call(ControlRequest req) => ControlChannel.Call(Dir, req);

    public OciState State(string status) => new()
    {
        Id = Record.Id,
        Pid = status == Stopped ? 0 : Record.Pid,
        Status = status,
        Bundle = Record.Bundle,
        Rootfs = Record.Rootfs,
        Created = Record.Created,
        Annotations = Record.Annotations,
    };

    /// <summary>Kills the sandbox (its gofer and stubs die with it) and removes its cgroup and the container's
    /// directory.</summary>
    public void Destroy(Microsoft.Extensions.Logging.ILogger log)
    {
        if (SandboxAlive)
        {
            HostProcess.Signal(Record.Pid, Record.PidStartTime, SIGKILL);
            if (!HostProcess.WaitGone(Record.Pid, Record.PidStartTime, TimeSpan.FromSeconds(10)))
                throw new RuntimeException($"the sandbox of {Id} (pid {Record.Pid}) did not exit after SIGKILL");
        }
        Cgroup.At(Record.CgroupPath)?.Destroy(TimeSpan.FromSeconds(10), log);
        Directory.Delete(Dir, recursive: true);
    }

    public void Dispose() => _lock.Dispose();
}
