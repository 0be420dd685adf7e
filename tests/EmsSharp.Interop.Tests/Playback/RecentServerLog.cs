using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Keeps the last lines the test servers logged (EmsSharp categories from Information, others from Warning), so a
/// playback failure can say what the server saw, not only what the page saw.
/// </summary>
internal sealed class RecentServerLog : ILoggerProvider
{
    private const int Capacity = 300;
    private static readonly ConcurrentQueue<string> Lines = new();

    /// <summary>The last <paramref name="count"/> lines, oldest first, one per line.</summary>
    public static string Tail(int count)
    {
        var all = Lines.ToArray();
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - count)));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        private readonly LogLevel _minimum = category.StartsWith("EmsSharp", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            Lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}");
            while (Lines.Count > Capacity)
                Lines.TryDequeue(out _);
        }
    }
}
