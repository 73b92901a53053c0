namespace AppKernel.Sentry.Vfs;

/// <summary>
/// Which POSIX lock owner waits for which, in one kernel (Linux's blocked list, for its deadlock check): an owner
/// may not start waiting for one that, through the owners they wait for, waits for it.
/// </summary>
public sealed class LockWaits
{
    readonly Dictionary<object, object> _waitsFor = new(ReferenceEqualityComparer.Instance);

    /// <summary>Notes that owner waits for holder; false (nothing noted) if that would close a cycle.</summary>
    public bool Block(object owner, object holder)
    {
        lock (_waitsFor)
        {
            object? o = holder;
            // Linux follows at most 10 links (MAX_DEADLK_ITERATIONS).
            for (int i = 0; i < 10 && o != null; i++)
            {
                if (ReferenceEquals(o, owner)) return false;
                o = _waitsFor.GetValueOrDefault(o);
            }
            _waitsFor[owner] = holder;
            return true;
        }
    }

    public void Unblock(object owner)
    {
        lock (_waitsFor) _waitsFor.Remove(owner);
    }
}
