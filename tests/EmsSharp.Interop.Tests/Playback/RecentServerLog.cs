using System.Collections.Concurrent;
using EmsSharp.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Keeps the last lines one test server logged (EmsSharp categories from Information, others from Warning), so a
/// playback failure can say what its server saw, not only what the page saw. One per server: test classes run in
/// parallel, and a tail shared by all of them showed another test's server.
/// </summary>
internal sealed class RecentServerLog : ILoggerProvider
{
    private const int Capacity = 300;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The log of <paramref name="ems"/>, which <see cref="PlaybackRig.StartEmsAsync"/> started.</summary>
    public static RecentServerLog Of(EmsHost ems) => ems.Services.GetServices<ILoggerProvider>().OfType<RecentServerLog>().Single();

    /// <summary>The last <paramref name="count"/> lines, oldest first, one per line.</summary>
    public string Tail(int count)
    {
        var all = _lines.ToArray();
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - count)));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        private readonly LogLevel _minimum = category.StartsWith("EmsSharp", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}");
            while (lines.Count > Capacity)
                lines.TryDequeue(out _);
        }
    }
}
