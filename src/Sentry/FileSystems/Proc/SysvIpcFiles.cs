using System.Text;
using AppKernel.Sentry.Ipc;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc/sysvipc/{shm,sem,msg} in Linux's formats (ipc/shm.c, sem.c, msg.c *_proc_show), one line per
/// object of the reader's IPC namespace, in index order; ipcs reads them.</summary>
static class SysvIpcFiles
{
    public static string Shm(SysvIpc ipc)
    {
        var sb = new StringBuilder("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
        var reg = ipc.Shm;
        lock (reg)
            foreach (var s in reg.Ids.All)
                sb.Append($"{s.Key,10} {s.Id,10}  {Octal(s.Mode),4} {s.Size,21} {s.Cpid,5} {s.Lpid,5}  {s.Nattch,5} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Atime,10} {s.Dtime,10} {s.Ctime,10} {s.Pages * 4096,21} {0,21}\n");
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

    public static string Msg(SysvIpc ipc)
    {
        var sb = new StringBuilder("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
        var reg = ipc.Msg;
        lock (reg)
            foreach (var q in reg.Ids.All)
                sb.Append($"{q.Key,10} {q.Id,10}  {Octal(q.Mode),4}  {q.Cbytes,10} {q.Messages.Count,10} {q.Lspid,5} {q.Lrpid,5} {q.Uid,5} {q.Gid,5} {q.Cuid,5} {q.Cgid,5} {q.Stime,10} {q.Rtime,10} {q.Ctime,10}\n");
        return sb.ToString();
    }

    static string Octal(uint mode) => Convert.ToString(mode, 8);

    /// <summary>/proc/sys/kernel/sem: SEMMSL, SEMMNS, SEMOPM, SEMMNI, tab-separated.</summary>
    public const string SemLimits = "32000\t1024000000\t500\t32000\n";
}
