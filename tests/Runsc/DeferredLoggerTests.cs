using AppKernel.Runsc.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AppKernel.Tests.Runsc;

/// <summary>The gofer's logger: its factory is made at the first line worth writing, and that line is written.</summary>
public sealed class DeferredLoggerTests
{
    [Fact]
    public void The_factory_is_made_at_the_first_line_at_or_above_the_level_and_disposed_with_the_logger()
    {
        var text = new StringWriter();
        int made = 0;
        TrackingFactory? factory = null;
        var log = new DeferredLogger(LogLevel.Warning, () =>
        {
            made++;
            return factory = new TrackingFactory(Loggers.Create(new TextLoggerProvider(text, LogLevel.Warning, false)));
        }, "gofer");

        log.LogDebug("below the level {N}", 1);
        log.LogInformation("below the level {N}", 2);
        Assert.False(log.IsEnabled(LogLevel.Information));
        Assert.True(log.IsEnabled(LogLevel.Warning));
        Assert.Equal(0, made);
        Assert.Equal("", text.ToString());

        log.LogWarning("first {What}", "warning");
        log.LogError("then {What}", "an error");
        Assert.Equal(1, made);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("warning gofer: first warning", lines[0]);
        Assert.EndsWith("error gofer: then an error", lines[1]);

        Assert.False(factory!.Disposed);
        log.Dispose();
        Assert.True(factory.Disposed);
    }

    [Fact]
    public void A_logger_that_never_logged_makes_nothing_and_disposes_quietly()
    {
        int made = 0;
        var log = new DeferredLogger(LogLevel.Warning, () => { made++; return Loggers.Create(null); }, "gofer");
        log.LogDebug("nothing");
        log.Dispose();
        Assert.Equal(0, made);
    }

    sealed class TrackingFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public bool Disposed;
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
        public ILogger CreateLogger(string categoryName) => inner.CreateLogger(categoryName);
        public void Dispose() { Disposed = true; inner.Dispose(); }
    }
}
