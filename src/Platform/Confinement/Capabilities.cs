using N = AppKernel.Platform.Confinement.ConfinementNative;

namespace AppKernel.Platform.Confinement;

/// <summary>
/// Dropping capabilities. Capability sets, the bounding set, the ambient set and no_new_privs are per thread
/// (capset(2) changes only its caller), so every step runs on the calling thread and on the .NET finalizer thread
/// and refuses with EBUSY if any other thread exists — call it right after <see cref="MountJail.PivotInto(string)"/>,
/// before anything starts a thread. Threads started later inherit the reduced sets.
/// </summary>
public static unsafe class Capabilities
{
    public const int CAP_CHOWN = 0;
    public const int CAP_DAC_OVERRIDE = 1;
    public const int CAP_DAC_READ_SEARCH = 2;
    public const int CAP_FOWNER = 3;
    public const int CAP_FSETID = 4;
    public const int CAP_KILL = 5;
    public const int CAP_SETGID = 6;
    public const int CAP_SETUID = 7;
    public const int CAP_SETPCAP = 8;
    public const int CAP_NET_ADMIN = 12;
    public const int CAP_SYS_CHROOT = 18;
    public const int CAP_SYS_PTRACE = 19;
    public const int CAP_SYS_ADMIN = 21;
    public const int CAP_SYS_RESOURCE = 24;
    public const int CAP_MKNOD = 27;
    public const int CAP_SETFCAP = 31;

    /// <summary>The capabilities the gofer keeps: act on files as their owner would, nothing more.</summary>
    public static readonly int[] Gofer = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID };

    public static Errno DropAllExcept(params int[] keep) => DropAllExcept(out _, keep);

    /// <summary>
    /// On every thread: clear the ambient set; drop every capability not in <paramref name="keep"/> from the
    /// bounding set (PR_CAPBSET_DROP); set effective = permitted = inheritable = <paramref name="keep"/> (capset);
    /// set PR_SET_NO_NEW_PRIVS. A kept capability must be permitted already (else EPERM). Never throws.
    /// </summary>
    public static Errno DropAllExcept(out string detail, params int[] keep)
    {
        ulong mask = 0;
        foreach (int c in keep)
        {
            if (c < 0 || c > 63)
            {
                detail = $"capability {c} out of range";
                return Errno.EINVAL;
            }
            mask |= 1UL << c;
        }
        return ProcessThreads.OnEveryThread("drop capabilities", DropSteps(mask), out detail);
    }

    /// <summary>The calls that drop the capabilities not in <paramref name="keep"/> from one thread.</summary>
    static ThreadSteps DropSteps(ulong keep)
    {
        var steps = new ThreadSteps();
        // Older kernels lack ambient capabilities (EINVAL): nothing to clear then.
        steps.Add(N.SYS_prctl, N.PR_CAP_AMBIENT, N.PR_CAP_AMBIENT_CLEAR_ALL, tolerated: Errno.EINVAL);
        // Bounding set first: PR_CAPBSET_DROP needs CAP_SETPCAP, which capset may be about to remove. Every
        // capability the kernel knows (reading past the last is EINVAL); dropping one already gone succeeds.
        for (int cap = 0; cap < 64 && N.prctl(N.PR_CAPBSET_READ, (ulong)cap, 0, 0, 0) >= 0; cap++)
            if ((keep & (1UL << cap)) == 0) steps.Add(N.SYS_prctl, N.PR_CAPBSET_DROP, cap);
        var header = new CapHeader { Version = N.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc CapData[2];
        for (int i = 0; i < 2; i++)
        {
            uint half = (uint)(keep >> (32 * i));
            data[i] = new CapData { Effective = half, Permitted = half, Inheritable = half };
        }
        steps.Add(N.SYS_capset, ThreadSteps.Blob(new ReadOnlySpan<byte>(&header, sizeof(CapHeader))),
            ThreadSteps.Blob(new ReadOnlySpan<byte>(data, 2 * sizeof(CapData))));
        steps.Add(N.SYS_prctl, N.PR_SET_NO_NEW_PRIVS, 1);
        return steps;
    }

    /// <summary>The calling thread's capability sets as bit masks (bit n = capability n).</summary>
    public readonly record struct Sets(ulong Effective, ulong Permitted, ulong Inheritable, ulong Bounding, bool NoNewPrivs)
    {
        public override string ToString() =>
            $"eff={Effective:x} prm={Permitted:x} inh={Inheritable:x} bnd={Bounding:x} nnp={(NoNewPrivs ? 1 : 0)}";
    }

    /// <summary>Reads the calling thread's sets (capget, PR_CAPBSET_READ, PR_GET_NO_NEW_PRIVS).</summary>
    public static Errno Current(out Sets sets)
    {
        sets = default;
        var header = new CapHeader { Version = N.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc CapData[2];
        if (N.capget(&header, data) != 0) return N.LastErrno;
        ulong bounding = 0;
        for (int cap = 0; cap < 64; cap++)
        {
            int inSet = N.prctl(N.PR_CAPBSET_READ, (ulong)cap, 0, 0, 0);
            if (inSet < 0) break;
            if (inSet == 1) bounding |= 1UL << cap;
        }
        int nnp = N.prctl(N.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        sets = new Sets(
            data[0].Effective | (ulong)data[1].Effective << 32,
            data[0].Permitted | (ulong)data[1].Permitted << 32,
            data[0].Inheritable | (ulong)data[1].Inheritable << 32,
            bounding, nnp == 1);
        return Errno.None;
    }

    /// <summary>The mask of a list of capabilities.</summary>
    public static ulong Mask(params int[] caps)
    {
        ulong m = 0;
        foreach (int c in caps) m |= 1UL << c;
        return m;
    }
}
