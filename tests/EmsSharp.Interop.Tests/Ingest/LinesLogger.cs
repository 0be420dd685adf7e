using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>Keeps every formatted log line, for asserting what an operator reads.</summary>
internal sealed class LinesLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IEnumerable<string> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception));
}
