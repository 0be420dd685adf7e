using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every timer it creates and arms (the due time of each <c>Change</c>) and
/// every timestamp read, so a test learns that the code under test has seen its input (set its deadline, or taken a turn of
/// a loop that reads the clock once per turn) before the test moves the clock.
/// </summary>
internal sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();
    private int _timestampReads;
    private int _timersCreated;
    private TimeSpan _lastArmed = Timeout.InfiniteTimeSpan;

    /// <summary>Notified on every timestamp read.</summary>
    public ChangeSignal TimestampRead { get; } = new();

    /// <summary>Timestamps read so far.</summary>
    public int TimestampReads => Volatile.Read(ref _timestampReads);

    public override long GetTimestamp()
    {
        Interlocked.Increment(ref _timestampReads);
        TimestampRead.Notify();
        return base.GetTimestamp();
    }

    /// <summary>Notified on every timer created (a <c>Task.Delay</c> on this provider creates one, armed at once).</summary>
    public ChangeSignal TimerCreated { get; } = new();

    /// <summary>Timers created so far.</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), _armed.Writer);
        Interlocked.Increment(ref _timersCreated);
        TimerCreated.Notify();
        return timer;
    }

    /// <summary>Waits for a timer armed with <paramref name="dueTime"/>, skipping the arms before it; fails after 10 s.</summary>
    public async Task WaitForArmedAsync(TimeSpan dueTime)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await _armed.Reader.ReadAsync(timeout.Token) != dueTime)
            {
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no timer armed for {dueTime}");
        }
    }

    /// <summary>
    /// Whether the last arm of any timer (taking those reported so far) was for <paramref name="dueTime"/>: code that arms a
    /// deadline around an operation and disarms it after (Timeout.InfiniteTimeSpan) is inside the operation, so a test may
    /// move the clock then and only then. Takes the arms <see cref="WaitForArmedAsync"/> would read.
    /// </summary>
    public bool LastArmedFor(TimeSpan dueTime)
    {
        while (_armed.Reader.TryRead(out var armed))
            _lastArmed = armed;
        return _lastArmed == dueTime;
    }

    private sealed class ObservedTimer(ITimer inner, ChannelWriter<TimeSpan> armed) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            armed.TryWrite(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
