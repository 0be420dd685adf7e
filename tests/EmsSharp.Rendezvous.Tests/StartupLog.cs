using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>A logger factory that keeps every line, for asserting what the ERS said at start.</summary>
internal sealed class StartupLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILoggerFactory Factory => LoggerFactory.Create(b => b.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    public bool Any(LogLevel level, string text) => _lines.Any(l => l.StartsWith($"{level}: ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
