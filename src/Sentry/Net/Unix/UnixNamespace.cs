using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Unix;

/// <summary>
/// The sandbox's abstract Unix names. Private to the sandbox: a host process listening on an abstract name is in
/// another world (the Sentry never makes a host Unix socket for the guest). Names are per socket type, as Linux
/// hashes them with the type: a stream and a datagram socket may hold the same name, and a connect to a name of
/// another type finds nobody (ECONNREFUSED).
/// </summary>
public sealed class UnixNamespace
{
    readonly Dictionary<string, UnixSocket> _names = new();
    int _nextAuto = Random.Shared.Next(0x100000);
    /// <summary>Every live socket, for /proc/net/unix: weak, so the list never keeps one alive; released ones leave.</summary>
    readonly List<WeakReference<UnixSocket>> _live = new();

    public void Track(UnixSocket s)
    {
        lock (_live) _live.Add(new WeakReference<UnixSocket>(s));
    }

    public void Untrack(UnixSocket s)
    {
        lock (_live) _live.RemoveAll(w => !w.TryGetTarget(out var x) || x == s);
    }

    /// <summary>The live sockets, oldest first.</summary>
    public List<UnixSocket> Live()
    {
        var all = new List<UnixSocket>();
        lock (_live)
            foreach (var w in _live)
                if (w.TryGetTarget(out var s)) all.Add(s);
        return all;
    }

    public Errno Bind(UnixAddress a, UnixSocket s)
    {
        lock (_names) return _names.TryAdd(Key(a, s.Type), s) ? Errno.None : Errno.EADDRINUSE;
    }

    /// <summary>Linux's autobind: a free abstract name of five hex digits.</summary>
    public Errno AutoBind(UnixSocket s, out UnixAddress a)
    {
        lock (_names)
        {
            for (int i = 0; i < 0x100000; i++)
            {
                int n = _nextAuto++ & 0xfffff;
                a = UnixAddress.AbstractName(System.Text.Encoding.ASCII.GetBytes(n.ToString("x5")));
                if (_names.TryAdd(Key(a, s.Type), s)) return Errno.None;
            }
        }
        a = UnixAddress.Unnamed;
        return Errno.ENOSPC;
    }

    public UnixSocket? Lookup(UnixAddress a, int type)
    {
        lock (_names) return _names.GetValueOrDefault(Key(a, type));
    }

    static string Key(UnixAddress a, int type) => $"{type}:{a.Key}";

    public void Unbind(UnixAddress a, UnixSocket s)
    {
        lock (_names)
            if (_names.TryGetValue(Key(a, s.Type), out var cur) && cur == s) _names.Remove(Key(a, s.Type));
    }
}
