namespace AppKernel.Platform;

/// <summary>
/// The guest context whose trapped syscall this host thread is serving, so that code far from the task (the gofer
/// client) can tell the platform that the Sentry now waits on another host process.
/// </summary>
public static class ServingThread
{
    [ThreadStatic] static IGuestContext? t_context;

    public static IGuestContext? Context { get => t_context; set => t_context = value; }

    /// <summary>Called just before a round trip to another host process (the gofer).</summary>
    public static void WaitsOnHost() => t_context?.WillWaitOnHost();
}
