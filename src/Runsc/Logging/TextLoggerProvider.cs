using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Logging;

/// <summary>The one way runsc makes a logger factory.</summary>
public static class Loggers
{
    /// <summary>A factory over <paramref name="provider"/> (none: a factory whose loggers drop everything). Built
    /// directly, not through LoggerFactory.Create: that one's dependency injection resolves its services by reflection,
    /// which cost each runsc process several milliseconds of start-up.</summary>
    public static ILoggerFactory Create(ILoggerProvider? provider) =>
        new LoggerFactory(provider is null ? [] : [provider], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
}

/// <summary>
/// A logger made at its first line at or above <paramref name="min"/>, not before: for a process that logs only what
/// goes wrong (the gofer), whose start then does not pay for the factory and its logger (~0.5 ms here).
/// </summary>
public sealed class DeferredLogger(LogLevel min, Func<ILoggerFactory> make, string category) : ILogger, IDisposable
{
    ILoggerFactory? _factory;
    ILogger? _logger;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= min && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel level, EventId id, TState state, Exception? ex, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(level)) return;
        Logger().Log(level, id, state, ex, formatter);
    }

    ILogger Logger()
    {
        lock (this)
        {
            if (_logger == null)
            {
                _factory = make();
                _logger = _factory.CreateLogger(category);
            }
            return _logger;
        }
    }

    public void Dispose()
    {
        lock (this) _factory?.Dispose();
    }
}

/// <summary>Writes log lines to a TextWriter (stderr or the --debug-log file), as text or JSON lines.</summary>
public sealed class TextLoggerProvider(TextWriter writer, LogLevel min, bool json) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TextLogger(writer, min, json, categoryName);
    public void Dispose() => writer.Flush();

    sealed class TextLogger(TextWriter w, LogLevel min, bool json, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= min && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel level, EventId id, TState state, Exception? ex, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(level)) return;
            var msg = formatter(state, ex) + (ex != null ? " | " + ex : "");
            var time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
            string line = json
                ? $"{{\"level\":\"{Level(level)}\",\"msg\":{Quote(msg)},\"time\":\"{time}\"}}"
                : $"{time} {Level(level)} {category}: {msg}";
            lock (w)
            {
                w.WriteLine(line);
                w.Flush();
            }
        }

        static string Level(LogLevel l) => l switch
        {
            LogLevel.Trace or LogLevel.Debug => "debug", LogLevel.Information => "info", LogLevel.Warning => "warning", _ => "error",
        };

        static string Quote(string s)
        {
            var sb = new System.Text.StringBuilder("\"");
            foreach (var c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }
    }
}
