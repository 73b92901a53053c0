using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Ipc;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc/sysvipc/{shm,sem,msg} in Linux's formats (ipc/shm.c, sem.c, msg.c *_proc_show), one line per
/// object of the reader's IPC namespace, in index order, pids as its PID namespace sees them; ipcs reads them.</summary>
static class SysvIpcFiles
{
    public static string Shm(SysvIpc ipc, PidNamespace ns)
    {
        var sb = new StringBuilder("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
        var reg = ipc.Shm;
        lock (reg)
            foreach (var s in reg.Ids.All)
                sb.Append($"{s.Key,10} {s.Id,10}  {Octal(s.Mode),4} {s.Size,21} {ns.IdOf(s.Cpid),5} {ns.IdOf(s.Lpid),5}  {s.Nattch,5} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Atime,10} {s.Dtime,10} {s.Ctime,10} {s.ResidentPages * 4096,21} {0,21}\n");
        return sb.ToString();
    }

    public static string Sem(SysvIpc ipc)
    {
        var sb = new StringBuilder("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
        var reg = ipc.Sem;
        lock (reg)
            foreach (var s in reg.Ids.All)
                sb.Append($"{s.Key,10} {s.Id,10}  {Octal(s.Mode),4} {s.Count,10} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Otime,10} {s.Ctime,10}\n");
        return sb.ToString();
    }

    public static string Msg(SysvIpc ipc, PidNamespace ns)
    {
        var sb = new StringBuilder("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
        var reg = ipc.Msg;
        lock (reg)
            foreach (var q in reg.Ids.All)
                sb.Append($"{q.Key,10} {q.Id,10}  {Octal(q.Mode),4}  {q.Cbytes,10} {q.Messages.Count,10} {ns.IdOf(q.Lspid),5} {ns.IdOf(q.Lrpid),5} {q.Uid,5} {q.Gid,5} {q.Cuid,5} {q.Cgid,5} {q.Stime,10} {q.Rtime,10} {q.Ctime,10}\n");
        return sb.ToString();
    }

    static string Octal(uint mode) => Convert.ToString(mode, 8);

    /// <summary>
    /// The System V IPC sysctls of /proc/sys/kernel, showing the reader's namespace's values; root may write them
    /// (Linux's proc_dointvec/proc_doulongvec_minmax: whitespace-separated numbers, EINVAL outside the range, the
    /// ids' limits at most 32768). kernel.sem is SEMMSL, SEMMNS, SEMOPM, SEMMNI, tab-separated.
    /// </summary>
    public static SynthDir AddSysvIpcSysctls(this SynthDir dir)
    {
        foreach (var (name, file) in Sysctls()) dir.Add(name, file);
        return dir;
    }

    static IEnumerable<(string Name, SynthFile File)> Sysctls()
    {
        const ulong IntMax = int.MaxValue, Mni = IpcIds<IpcObject>.IpcMni;
        yield return ("shmmax", Tunable(i => $"{i.Shm.CtlMax}", ulong.MaxValue, (i, v) => i.Shm.CtlMax = v[0]));
        yield return ("shmall", Tunable(i => $"{i.Shm.CtlAll}", ulong.MaxValue, (i, v) => i.Shm.CtlAll = v[0]));
        yield return ("shmmni", Tunable(i => $"{i.Shm.CtlMni}", Mni, (i, v) => i.Shm.CtlMni = (int)v[0]));
        yield return ("sem", Tunable(i => $"{i.Sem.CtlMsl}\t{i.Sem.CtlMns}\t{i.Sem.CtlOpm}\t{i.Sem.CtlMni}", IntMax, (i, v) =>
        {
            var s = i.Sem;
            if (v.Length > 3 && v[3] > Mni) return Errno.EINVAL;
            s.CtlMsl = (int)v[0];
            if (v.Length > 1) s.CtlMns = (int)v[1];
            if (v.Length > 2) s.CtlOpm = (int)v[2];
            if (v.Length > 3) s.CtlMni = (int)v[3];
            return Errno.None;
        }));
        yield return ("msgmax", Tunable(i => $"{i.Msg.CtlMax}", IntMax, (i, v) => i.Msg.CtlMax = (int)v[0]));
        yield return ("msgmnb", Tunable(i => $"{i.Msg.CtlMnb}", IntMax, (i, v) => i.Msg.CtlMnb = (int)v[0]));
        yield return ("msgmni", Tunable(i => $"{i.Msg.CtlMni}", Mni, (i, v) => i.Msg.CtlMni = (int)v[0]));
    }

    static SynthFile Tunable(Func<SysvIpc, string> read, ulong max, Action<SysvIpc, ulong[]> write) =>
        Tunable(read, max, (i, v) => { write(i, v); return Errno.None; });

    static SynthFile Tunable(Func<SysvIpc, string> read, ulong max, Func<SysvIpc, ulong[], Errno> write) =>
        new(t => read(t.SysvIpc) + "\n")
        {
            Perm = 0x1a4,
            Write = (t, bytes) =>
            {
                var words = System.Text.Encoding.ASCII.GetString(bytes).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0) return bytes.Length;
                var v = new ulong[words.Length];
                for (int i = 0; i < words.Length; i++)
                    if (!ulong.TryParse(words[i], out v[i]) || v[i] > max) return -(long)Errno.EINVAL;
                var ipc = t.SysvIpc;
                // Each kind's values change under its lock, as the calls that read them run under it.
                lock (ipc.Shm) lock (ipc.Sem) lock (ipc.Msg)
                {
                    var e = write(ipc, v);
                    return e != Errno.None ? -(long)e : bytes.Length;
                }
            },
        };
}
