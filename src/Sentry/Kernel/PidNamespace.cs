namespace AppKernel.Sentry.Kernel;

/// <summary>
/// A PID namespace. A task's one identity in the Sentry is its global number (<see cref="Task.Tid"/>, the root
/// namespace's, never reused); every namespace from the task's own up to the root gives it a number of its own
/// when it is made. Whatever a guest reads or names by pid goes through <see cref="IdOf(int)"/> (a global number
/// as this namespace sees it, 0 when it is not visible here) and <see cref="Lookup"/>/<see cref="GlobalOf"/>
/// (a number of this namespace back to the task or global number); nothing else translates.
/// </summary>
public sealed class PidNamespace
{
    /// <summary>Linux's MAX_PID_NS_LEVEL: the root is level 0, the deepest 32.</summary>
    public const int MaxLevel = 32;

    public PidNamespace? Parent { get; }
    public int Level { get; }
    /// <summary>The user namespace it belongs to (its creator's, or the one made with it): clone3's set_tid asks
    /// for privilege there.</summary>
    public UserNamespace Owner = UserNamespace.Initial;
    public uint Inum { get; }
    readonly Kernel _kernel;
    // A namespace's numbers are handed out in order and never wrap, so both maps may keep an entry after its task is
    // reaped: a process group or session keeps its number while its leader is gone, as Linux's struct pid does.
    readonly Dictionary<int, int> _local = new(), _global = new();
    int _next = 1;
    bool _dying;
    /// <summary>The /proc/[pid] and task/[tid] directories a proc mounted in this namespace shows (ProcPidDir), per task.</summary>
    public readonly System.Runtime.CompilerServices.ConditionalWeakTable<Task, object> ProcDirs = new(), ProcThreadDirs = new();

    /// <summary>The sandbox's root namespace: its numbers are the global ones.</summary>
    public PidNamespace(Kernel k, uint inum)
    {
        _kernel = k;
        Inum = inum;
    }

    PidNamespace(PidNamespace parent)
    {
        _kernel = parent._kernel;
        Parent = parent;
        Level = parent.Level + 1;
        Inum = Vfs.NsInodes.Next();
    }

    public bool IsRoot => Parent == null;

    /// <summary>Whether a namespace may be made below this one (not past <see cref="MaxLevel"/>: ENOSPC).</summary>
    public bool NewChildAllowed => Level + 1 <= MaxLevel;

    /// <summary>A new namespace below this one (unshare or clone with CLONE_NEWPID).</summary>
    public PidNamespace NewChild() => new(this);

    /// <summary>The number this namespace gives the task (or process group, session) with global number id; 0 if none.</summary>
    public int IdOf(int globalId)
    {
        if (IsRoot || globalId <= 0) return globalId;
        lock (_local) return _local.GetValueOrDefault(globalId);
    }

    /// <summary>The global number of this namespace's id; 0 if it names nothing here.</summary>
    public int GlobalOf(int id)
    {
        if (IsRoot || id <= 0) return id;
        lock (_local) return _global.GetValueOrDefault(id);
    }

    /// <summary>The live or zombie task this namespace calls id (null: ESRCH).</summary>
    public Task? Lookup(int id) => GlobalOf(id) is > 0 and var g ? _kernel.FindTask(g) : null;

    /// <summary>Whether the task with global number id is in this namespace or one below it.</summary>
    public bool Sees(int globalId) => IdOf(globalId) > 0;

    /// <summary>Whether other is this namespace or one below it.</summary>
    public bool IsAncestorOf(PidNamespace other)
    {
        for (var n = other; n != null; n = n.Parent) if (n == this) return true;
        return false;
    }

    /// <summary>Whether a task ever got number 1 here (Linux's child_reaper: /proc's pid_for_children needs one).</summary>
    public bool HasInit
    {
        get { lock (_local) return IsRoot || _global.ContainsKey(1); }
    }

    /// <summary>Whether the init exited: nothing new may enter (fork's ENOMEM, Linux's disable_pid_allocation).</summary>
    public bool Dying
    {
        get { lock (_local) return _dying; }
    }

    internal void MarkDying()
    {
        lock (_local) _dying = true;
    }

    /// <summary>Gives the new global number id the next number of this namespace.</summary>
    internal void Add(int globalId)
    {
        lock (_local)
        {
            int id;
            do id = _next++; while (_global.ContainsKey(id)); // skipping numbers set_tid chose ahead
            _local[globalId] = id;
            _global[id] = globalId;
        }
    }

    /// <summary>clone3's set_tid: gives the new global number id the number chosen here (the caller checked it is free).</summary>
    internal void AddAs(int globalId, int id)
    {
        lock (_local)
        {
            if (_global.TryGetValue(id, out int stale)) _local.Remove(stale); // a reaped task's number, free again
            _local[globalId] = id;
            _global[id] = globalId;
        }
    }
}
