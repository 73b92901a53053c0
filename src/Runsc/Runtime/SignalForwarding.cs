using System.Runtime.InteropServices;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// The terminal and engine signals a runsc command passes on to the guest instead of dying of them (SIGINT, SIGTERM,
/// SIGHUP, SIGQUIT), as runc forwards them to the container's process. Dispose to stop forwarding.
/// </summary>
public sealed class SignalForwarding : IDisposable
{
    const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGTERM = 15;
    readonly List<PosixSignalRegistration> _registrations = [];

    /// <summary>deliver gets the Linux signal number (the guest's numbering is the host's on x86-64).</summary>
    public SignalForwarding(Action<int> deliver)
    {
        foreach (var (ps, nr) in new[] { (PosixSignal.SIGINT, SIGINT), (PosixSignal.SIGTERM, SIGTERM), (PosixSignal.SIGHUP, SIGHUP), (PosixSignal.SIGQUIT, SIGQUIT) })
            _registrations.Add(PosixSignalRegistration.Create(ps, c =>
            {
                c.Cancel = true;
                deliver(nr);
            }));
    }

    /// <summary>Another signal, handled (not forwarded) while this lives: `do`'s SIGUSR2 task dump.</summary>
    public void Also(int signal, Action handle) => _registrations.Add(PosixSignalRegistration.Create((PosixSignal)signal, c =>
    {
        c.Cancel = true;
        handle();
    }));

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
