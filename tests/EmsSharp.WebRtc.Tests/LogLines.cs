using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc.Tests;

/// <summary>A logger factory that keeps every formatted line of every level, for tests that assert what was logged.</summary>
internal sealed class LogLines : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Lines containing <paramref name="text"/>.</summary>
    public int Count(string text) => _lines.Count(line => line.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception));

    public void Dispose()
    {
    }
}
