using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// One viewer of a shared <see cref="Fmp4StreamSource"/>, transport-neutral (WebSocket, WebRTC data channel).
/// Delivers the HEADER_MOOV init packet first, then the GOP cache (a keyframe fragment first), then live
/// fragments through a bounded queue. When the queue is full (by fragments or bytes), or when the consumer
/// reports that its transport is backed up (<see cref="SkipToNextKeyframe"/>), the queued fragments are
/// dropped and delivery resumes at the next keyframe fragment; drops are counted. The source never waits
/// for a viewer. Single consumer: one <see cref="WaitToReadAsync"/> at a time. Dispose to leave.
/// </summary>
internal sealed class Fmp4Subscription : IDisposable, IValueTaskSource<bool>
{
    private readonly Fmp4StreamSource _source;
    private readonly Lock _gate = new();
    private readonly Fmp4Packet?[] _ring;
    private readonly long _maxBytes;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private Fmp4Packet? _pendingInit;
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

    internal Fmp4Subscription(Fmp4StreamSource source, int capacity, long maxBytes)
    {
        _source = source;
        _ring = new Fmp4Packet?[Math.Max(1, capacity)];
        _maxBytes = Math.Max(1, maxBytes);
    }

    /// <summary>When the viewer subscribed (a <see cref="Stopwatch.GetTimestamp"/> value): fragments whose frames arrived
    /// earlier are replays of the GOP cache, not measured for latency.</summary>
    public long SubscribedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>The live stream's name.</summary>
    public string StreamName => _source.StreamName;

    /// <summary>Fragments this viewer lost: dropped from a full queue, or skipped while waiting for a keyframe.</summary>
    public long DroppedFragments => Volatile.Read(ref _dropped);

    /// <summary>How many times this viewer skipped to the next keyframe (queue full or transport backed up).</summary>
    public long KeyframeSkips => Volatile.Read(ref _skips);

    /// <summary>Packets handed to the consumer so far.</summary>
    public long DeliveredPackets => Volatile.Read(ref _delivered);

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

    /// <summary>True once the stream ended (or the server stopped it); the queue may still hold its last fragments.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>
    /// Waits until a packet can be read (true), or the stream ended and the queue is drained (false).
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        short token;
        lock (_gate)
        {
            if (_count > 0 || _pendingInit is not null)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("An Fmp4Subscription allows one pending wait at a time.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            _waiter.Reset();
            _waiting = true;
            token = _waiter.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, ct) => ((Fmp4Subscription)state!).CancelWait(ct), this);
        }

        return new ValueTask<bool>(this, token);
    }

    /// <summary>
    /// Takes the next packet's bytes (one §4.2 unit: the init packet or a whole fragment), if any. The memory
    /// is immutable and shared with other viewers: send it, never write it.
    /// </summary>
    public bool TryRead(out ReadOnlyMemory<byte> packetBytes)
    {
        var read = TryReadPacket(out var packet);
        packetBytes = read ? packet!.Bytes : default;
        return read;
    }

    /// <summary>Takes the next packet itself (its bytes and when its frames arrived), if any; see <see cref="TryRead"/>.</summary>
    public bool TryReadPacket([NotNullWhen(true)] out Fmp4Packet? packet)
    {
        lock (_gate)
        {
            if (_pendingInit is not null)
            {
                packet = _pendingInit;
                _pendingInit = null;
            }
            else if (_count > 0)
            {
                packet = _ring[_head]!;
                _ring[_head] = null;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _bytes -= packet.Length;
            }
            else
            {
                packet = null;
                return false;
            }

            _delivered++;
            return true;
        }
    }

    /// <summary>
    /// Back-pressure hook: the consumer's transport has too much buffered (say a WebSocket's or data channel's
    /// buffered amount is above its threshold). Drops what is queued and resumes at the next keyframe fragment.
    /// </summary>
    public void SkipToNextKeyframe()
    {
        lock (_gate)
        {
            DropQueued();
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
            _pendingInit = null;
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

    // Called by the source under its lock, so the cache replay and live packets cannot interleave.
    internal void Enqueue(Fmp4Packet packet)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (packet.IsInit)
            {
                // New tracks: fragments of the old muxer are useless after the new init; the new muxer
                // starts on a keyframe.
                _dropped += _count;
                ClearRing();
                _pendingInit = packet;
                _skipping = true;
                Signal();
                return;
            }

            if (_count == _ring.Length || (_count > 0 && _bytes + packet.Length > _maxBytes))
            {
                DropQueued();
            }

            if (_skipping)
            {
                if (!packet.StartsWithKeyframe)
                {
                    _dropped++;
                    return;
                }

                _skipping = false;
            }

            _ring[(_head + _count) % _ring.Length] = packet;
            _count++;
            _bytes += packet.Length;
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
