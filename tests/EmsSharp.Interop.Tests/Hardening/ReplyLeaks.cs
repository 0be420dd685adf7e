using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// Every reply the suite's clients read (HTTP bodies, CLI lines, RTMP status descriptions, RTSP responses, WebSocket
/// close reasons, socket.io acks and events, bytes a refused connection got), scanned for what a leaked exception looks
/// like: a stack frame (<c>   at Type.Method(</c>), an exception type name, a source path with a line number.
/// </summary>
internal sealed partial class ReplyLeaks
{
    private const int ExcerptLength = 160;

    private readonly ConcurrentQueue<string> _leaks = new();
    private long _count;

    /// <summary>Replies scanned.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The replies that leaked, as <c>source: excerpt</c>.</summary>
    public IReadOnlyCollection<string> Leaks => _leaks;

    /// <summary>Scans one reply that <paramref name="source"/> (a listener, a probe) received.</summary>
    public void Add(string source, string? text)
    {
        if (string.IsNullOrEmpty(text))
            return;
        Interlocked.Increment(ref _count);
        var match = LeakPattern().Match(text);
        if (match.Success)
        {
            var start = Math.Max(0, match.Index - (ExcerptLength / 2));
            _leaks.Enqueue($"{source}: {text.Substring(start, Math.Min(ExcerptLength, text.Length - start))}");
        }
    }

    [GeneratedRegex(@"(^|\n)\s*at [\w.`<>+\[\],]+\(|Exception\b|\.cs:line \d+")]
    private static partial Regex LeakPattern();
}
