using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Server.Tests;

/// <summary>Keeps log lines in memory so tests can assert that something was logged.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ChangeSignal _logged = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public bool Contains(string text)
    {
        foreach (var line in _lines)
        {
            if (line.Contains(text, StringComparison.Ordinal))
                return true;
        }

        return false;
    }

    public int Count(string text) => _lines.Count(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>Returns once <paramref name="count"/> lines containing <paramref name="text"/> are logged; fails after 10 s.</summary>
    public Task WaitForCountAsync(string text, int count) =>
        _logged.WaitUntilAsync(() => Count(text) >= count, $"fewer than {count} log lines containing: {text}");

    /// <summary>Returns once a line containing <paramref name="text"/> is logged; fails after 10 s.</summary>
    public Task WaitForAsync(string text) => _logged.WaitUntilAsync(() => Contains(text), "no log line containing: " + text);

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (owner._lines.Count < 10_000)
                owner._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            owner._logged.Notify();
        }
    }
}
