using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// One srtp viewer of a shared <see cref="RtpStreamSource"/>: the GOP cache (a keyframe first), then live access
/// units through a bounded queue. When the queue is full the queued units are dropped and delivery resumes at the
/// next keyframe; drops are counted. The source never waits for a viewer. Single consumer: one
/// <see cref="WaitToReadAsync"/> at a time. Dispose to leave.
/// </summary>
internal sealed class RtpSubscription : IDisposable, IValueTaskSource<bool>
{
    private readonly RtpStreamSource _source;
    private readonly Lock _gate = new();
    private readonly RtpAccessUnit?[] _ring;
    private readonly long _maxBytes;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _skipping = true;
    private bool _completed;
    private bool _disposed;
    private bool _waiting;
    private long _dropped;
    private long _skips;
    private long _delivered;

    internal RtpSubscription(RtpStreamSource source, int capacity, long maxBytes)
    {
        _source = source;
        _ring = new RtpAccessUnit?[Math.Max(1, capacity)];
        _maxBytes = Math.Max(1, maxBytes);
    }

    /// <summary>When the viewer subscribed (a <see cref="Stopwatch.GetTimestamp"/> value): units that arrived in the hub
    /// earlier are replays of the GOP cache, not measured for latency.</summary>
    public long SubscribedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>The live stream's name.</summary>
    public string StreamName => _source.StreamName;

    /// <summary>Access units this viewer lost: dropped from a full queue, or skipped while waiting for a keyframe.</summary>
    public long DroppedUnits => Volatile.Read(ref _dropped);

    /// <summary>How many times this viewer skipped to the next keyframe (queue full or transport backed up).</summary>
    public long KeyframeSkips => Volatile.Read(ref _skips);

    /// <summary>Access units handed to the consumer so far.</summary>
    public long DeliveredUnits => Volatile.Read(ref _delivered);

    /// <summary>Bytes queued and not yet read.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>True once the stream ended (or the server stopped it); the queue may still hold its last access units.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>
    /// Waits until an access unit can be read (true), or the stream ended and the queue is drained (false).
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        short token;
        lock (_gate)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("An RtpSubscription allows one pending wait at a time.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            _waiter.Reset();
            _waiting = true;
            token = _waiter.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, ct) => ((RtpSubscription)state!).CancelWait(ct), this);
        }

        return new ValueTask<bool>(this, token);
    }

    /// <summary>The next access unit, if any: immutable and shared with other viewers.</summary>
    public bool TryRead([NotNullWhen(true)] out RtpAccessUnit? unit)
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                unit = _ring[_head]!;
                _ring[_head] = null;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _bytes -= unit.Length;
                _delivered++;
                return true;
            }

            unit = null;
            return false;
        }
    }

    /// <summary>Leaves the stream; the source stops when its last viewer leaves. A pending wait returns false.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _source.Unsubscribe(this);
        Complete();
        lock (_gate)
        {
            Array.Clear(_ring);
            _count = 0;
            _bytes = 0;
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _waiter.GetResult(token);
        }
        finally
        {
            _cancellation.Dispose();
            _cancellation = default;
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    // Called by the source under its lock, so the cache replay and live units cannot interleave.
    internal void Enqueue(RtpAccessUnit unit)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (_count == _ring.Length || (_count > 0 && _bytes + unit.Length > _maxBytes))
            {
                DropQueued();
            }

            if (_skipping)
            {
                if (!unit.IsKeyframe)
                {
                    _dropped++;
                    return;
                }

                _skipping = false;
            }

            _ring[(_head + _count) % _ring.Length] = unit;
            _count++;
            _bytes += unit.Length;
            Signal();
        }
    }

    internal void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            if (_waiting)
            {
                _waiting = false;
                _waiter.SetResult(false);
            }
        }
    }

    // Under _gate.
    private void DropQueued()
    {
        _dropped += _count;
        _skips++;
        ClearRing();
        _skipping = true;
    }

    private void ClearRing()
    {
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
        _bytes = 0;
    }

    private void Signal()
    {
        if (_waiting)
        {
            _waiting = false;
            _waiter.SetResult(true);
        }
    }

    private void CancelWait(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_waiting)
            {
                _waiting = false;
                _waiter.SetException(new OperationCanceledException(cancellationToken));
            }
        }
    }
}
