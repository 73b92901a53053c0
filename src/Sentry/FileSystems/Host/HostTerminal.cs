namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>
/// What the sandbox keeps about runsc's own terminal, shared by the stdio fds that are on it: the foreground process
/// group and session as the guest sees them (sandbox ids: a host pgid means nothing inside). Job control that the
/// terminal itself enforces (SIGTTIN/SIGTTOU for background groups) waits for the Sentry's own pty.
/// </summary>
public sealed class HostTerminal
{
    volatile int _foreground;

    public HostTerminal(int foregroundGroup, int session)
    {
        _foreground = foregroundGroup;
        Session = session;
    }

    public int ForegroundGroup { get => _foreground; set => _foreground = value; }
    public int Session { get; }
}
