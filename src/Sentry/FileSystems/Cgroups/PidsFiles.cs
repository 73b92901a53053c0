namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The pids controller's settings and counts of one cgroup.</summary>
sealed class PidsState
{
    /// <summary>Linux's PIDS_MAX (PID_MAX_LIMIT + 1): "max".</summary>
    public const long Unlimited = 4 * 1024 * 1024 + 1;
    public long Max = Unlimited, Peak;
    /// <summary>Forks refused by this cgroup's limit or an ancestor's (events), by its own (events.local).</summary>
    public long Events, EventsLocal;
}

/// <summary>
/// The pids controller: pids.max is checked at fork against every enabled level from the child's cgroup up
/// (EAGAIN), pids.current counts the tasks charged in the subtree (zombies until reaped), pids.peak the most it
/// held (a level below a refusing one counts the attempt, as Linux's watermark does), and pids.events /
/// pids.events.local count refusals for the limit's cgroup and its ancestors / itself alone.
/// </summary>
static class PidsFiles
{
    public static IEnumerable<CgroupFile> For(Cgroup cg, uint uid, uint gid)
    {
        cg.Pids = new PidsState();
        yield return ControllerFiles.File(cg, "pids.max", CgroupFile.ReadWrite, uid, gid,
            () => cg.Pids.Max >= PidsState.Unlimited ? "max\n" : $"{cg.Pids.Max}\n", s => WriteMax(cg, s));
        yield return ControllerFiles.File(cg, "pids.current", CgroupFile.ReadOnly, uid, gid, () => $"{cg.PidsCurrent}\n");
        yield return ControllerFiles.File(cg, "pids.peak", CgroupFile.ReadOnly, uid, gid, () => $"{cg.Pids.Peak}\n");
        yield return ControllerFiles.File(cg, "pids.events", CgroupFile.ReadOnly, uid, gid, () => $"max {cg.Pids.Events}\n");
        yield return ControllerFiles.File(cg, "pids.events.local", CgroupFile.ReadOnly, uid, gid, () => $"max {cg.Pids.EventsLocal}\n");
    }

    static Errno WriteMax(Cgroup cg, string s)
    {
        s = s.Trim();
        long v = PidsState.Unlimited;
        if (s != "max" && (!long.TryParse(s, out v) || v < 0 || v >= PidsState.Unlimited)) return Errno.EINVAL;
        cg.Pids.Max = v;
        return Errno.None;
    }

    /// <summary>The cgroups whose pids settings apply to a task in cg: cg and its ancestors that have the
    /// controller, the root excluded (it has no limit).</summary>
    static IEnumerable<Cgroup> Levels(Cgroup cg)
    {
        for (var a = cg; a != null && !a.IsRoot; a = a.Parent)
            if ((a.Available & Controllers.Pids) != 0) yield return a;
    }

    /// <summary>pids_can_fork: charges one task to cg, or refuses (EAGAIN) and counts the event, adding the files
    /// to tell to notify. The caller holds the hierarchy's lock.</summary>
    public static Errno Charge(Cgroup cg, List<CgroupFile> notify)
    {
        foreach (var a in Levels(cg))
        {
            long next = a.PidsCurrent + 1;
            if (next > a.Pids.Max)
            {
                a.Pids.EventsLocal++;
                notify.Add(a.Files["pids.events.local"]);
                foreach (var up in Levels(a))
                {
                    up.Pids.Events++;
                    notify.Add(up.Files["pids.events"]);
                }
                return Errno.EAGAIN;
            }
            a.Pids.Peak = Math.Max(a.Pids.Peak, next);
        }
        cg.PidsCharged++;
        return Errno.None;
    }

    /// <summary>After tasks moved into cg (a move is never refused), its levels' peaks.</summary>
    public static void UpdatePeaks(Cgroup cg)
    {
        foreach (var a in Levels(cg)) a.Pids.Peak = Math.Max(a.Pids.Peak, a.PidsCurrent);
    }
}
