using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// One srtp viewer of a shared <see cref="RtpStreamSource"/>: the GOP cache (a keyframe first), then live access
/// units through a bounded queue, consumed by its <see cref="IRtpSubscriber"/> whenever the source's pump calls
/// <see cref="Drain"/>. When the queue is full the queued units are dropped and delivery resumes at the next keyframe;
/// drops are counted. The source never waits for a viewer. Dispose to leave.
/// </summary>
internal sealed class RtpSubscription : IDisposable
{
    private readonly RtpStreamSource _source;
    private readonly IRtpSubscriber _subscriber;
    private readonly Lock _gate = new();
    // Serializes the subscriber's drains (the pump's, the one after the stream ended, the first one of a new viewer)
    // and lets Dispose wait for one in flight: taken once per access unit per viewer, not per packet.
    private readonly Lock _drainGate = new();
    private readonly RtpAccessUnit?[] _ring;
    private readonly long _maxBytes;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _skipping = true;
    private bool _completed;
    private bool _disposed;
    private long _dropped;
    private long _skips;
    private long _delivered;

    internal RtpSubscription(RtpStreamSource source, IRtpSubscriber subscriber, int capacity, long maxBytes)
    {
        _source = source;
        _subscriber = subscriber;
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

    /// <summary>True once the stream ended and every queued access unit was read: nothing more will come.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_gate)
            {
                return _completed && _count == 0;
            }
        }
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

    /// <summary>
    /// Leaves the stream; the source stops when its last viewer leaves. Waits for a drain in flight on another thread;
    /// once this returns the subscriber is never called again.
    /// </summary>
    public void Dispose()
    {
        lock (_drainGate)
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
            ClearRing();
        }
    }

    /// <summary>
    /// Runs the subscriber's drain on the calling thread (the pump, after each access unit); a drain already running on
    /// another thread is waited for. A subscriber that throws is logged and unsubscribed; the others go on.
    /// </summary>
    internal void Drain()
    {
        Exception? failure = null;
        lock (_drainGate)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                _subscriber.Drain(this);
            }
#pragma warning disable CA1031 // a bug in one viewer must end that viewer only, and say so
            catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                failure = e;
            }
        }

        if (failure is not null)
        {
            _source.Fail(this, failure);
        }
    }

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
        }
    }

    internal void Complete()
    {
        lock (_gate)
        {
            _completed = true;
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
}
