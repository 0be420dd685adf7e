namespace EmsSharp.Protocols.Net;

/// <summary>
/// Lets a repeated log line through at most once per <see cref="Interval"/> and counts the occurrences in between, so
/// a flood (refused or evicted connections) costs one line per interval, not one per event. Thread-safe.
/// </summary>
public sealed class LogThrottle(TimeProvider time)
{
    /// <summary>The shortest time between two lines.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private long _lastLine;
    private bool _written;
    private long _occurrences;

    /// <summary>
    /// Counts one occurrence. True when a line is due now; <paramref name="occurrences"/> is then the number of
    /// occurrences since the previous line, this one included.
    /// </summary>
    public bool TryEnter(out long occurrences)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            _occurrences++;
            if (_written && time.GetElapsedTime(_lastLine, now) < Interval)
            {
                occurrences = 0;
                return false;
            }

            _written = true;
            _lastLine = now;
            occurrences = _occurrences;
            _occurrences = 0;
            return true;
        }
    }
}
