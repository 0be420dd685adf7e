using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace EmsSharp.Media.Ring;

/// <summary>
/// One reader of a <see cref="StreamRing{T}"/>: a cursor into the shared ring, nothing queued of its own. It starts at
/// the GOP cache's keyframe (or, without a valid cache, at the next keyframe). When it lags more than its bound, in
/// units or payload bytes, or the writer has released the unit under its cursor, it skips to the earliest keyframe from
/// which it is within its bound again (or to the next keyframe published) and counts every unit it skipped; a reader
/// that does not read is not looked at by the writer, and its drops are counted when it next reads.
/// </summary>
/// <remarks>
/// Threads. The consumer (one thread at a time): <see cref="TryRead"/>, <see cref="WaitToReadAsync"/> (one pending wait
/// at a time), <see cref="ReadAllAsync"/>, <see cref="SkipToNextKeyframe"/>. Any thread: the counters, the lags,
/// <see cref="IsCompleted"/> and <see cref="Dispose"/>. <see cref="TryRead"/> takes no lock: it reads the writer's
/// progress and the slot under its cursor, and writes only this reader's fields.
/// </remarks>
public sealed class StreamRingReader<T> : IDisposable, IValueTaskSource<bool>
{
    /// <summary>1 while this reader is on the ring's stack of waiters (set by the reader, cleared by the writer).</summary>
    internal int Queued;

    /// <summary>The next reader on the ring's stack of waiters.</summary>
    internal StreamRingReader<T>? NextWaiter;

    private readonly StreamRing<T> _ring;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private long _position;
    private long _offset;
    private bool _skipping;
    private long _dropped;
    private long _skips;
    private long _delivered;
    private int _waiting;
    private int _disposed;

    internal StreamRingReader(StreamRing<T> ring, int maxLagUnits, long maxLagBytes, IStreamRingListener? listener)
    {
        _ring = ring;
        MaxLagUnits = maxLagUnits;
        MaxLagBytes = maxLagBytes;
        Listener = listener;
        if (ring.TryGetGopStart(out _position, out _offset))
        {
            return;
        }

        _position = ring.Published;
        _offset = ring.PublishedBytes;
        _skipping = true;
    }

    /// <summary>How many units this reader may lag before it skips to a keyframe.</summary>
    public int MaxLagUnits { get; }

    /// <summary>How many payload bytes this reader may lag before it skips to a keyframe.</summary>
    public long MaxLagBytes { get; }

    /// <summary>The ring this reader follows.</summary>
    public IStreamRing Ring => _ring;

    /// <summary>Units published that this reader has not read or skipped yet (it may be past its bound until it reads).</summary>
    public long LagUnits => Math.Max(0, _ring.Published - Volatile.Read(ref _position));

    /// <summary>Payload bytes published that this reader has not read or skipped yet.</summary>
    public long LagBytes => Math.Max(0, _ring.PublishedBytes - Volatile.Read(ref _offset));

    /// <summary>Units this reader lost: skipped because it fell behind, or passed while it waited for a keyframe.</summary>
    public long DroppedUnits => Volatile.Read(ref _dropped);

    /// <summary>How many times this reader skipped to a keyframe (it fell behind, or its consumer asked).</summary>
    public long KeyframeSkips => Volatile.Read(ref _skips);

    /// <summary>Units handed to the consumer so far.</summary>
    public long DeliveredUnits => Volatile.Read(ref _delivered);

    /// <summary>True once the ring has ended (this reader may still have units to read) or the reader was disposed.</summary>
    public bool IsCompleted => _ring.IsCompleted || IsDisposed;

    /// <summary>True once the reader was disposed: it reads nothing more.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal IStreamRingListener? Listener { get; }

    private bool HasUnread => Volatile.Read(ref _position) < _ring.Published;

    /// <summary>
    /// Waits until a unit may be read (true), or the ring has ended and this reader has read everything, or it was
    /// disposed (false). True can be early: a unit it then skips leaves <see cref="TryRead"/> false, so wait again.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (IsDisposed)
        {
            return new ValueTask<bool>(false);
        }

        if (HasUnread)
        {
            return new ValueTask<bool>(true);
        }

        if (_ring.IsCompleted)
        {
            return new ValueTask<bool>(HasUnread);
        }

        if (Volatile.Read(ref _waiting) != 0)
        {
            throw new InvalidOperationException("A StreamRingReader allows one pending wait at a time.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        _waiter.Reset();
        var token = _waiter.Version;
        Volatile.Write(ref _waiting, 1);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, ct) => ((StreamRingReader<T>)state!).CancelWait(ct), this);
        }

        _ring.AddWaiter(this);
        if (HasUnread || IsCompleted)
        {
            Wake(); // a unit or the end came between the checks above and the push
        }

        return new ValueTask<bool>(this, token);
    }

    /// <summary>
    /// Takes the next unit, if any (consumer only; none once disposed): shared with every other reader, never to be written.
    /// </summary>
    public bool TryRead([MaybeNullWhen(false)] out T unit)
    {
        while (true)
        {
            var position = _position;
            var published = _ring.Published;
            if (position >= published || IsDisposed)
            {
                unit = default;
                return false;
            }

            var lag = published - position;
            if (lag > MaxLagUnits || !_ring.TryReadSlot(position, out var slot)
                || !Fits(lag, _ring.PublishedBytes - slot.Offset))
            {
                SkipAhead(position, published); // behind its bound, or lapped: the slot no longer holds its unit
                continue;
            }

            Volatile.Write(ref _offset, slot.Offset + slot.Length);
            Volatile.Write(ref _position, position + 1);
            if (_skipping)
            {
                if (!slot.IsKeyframe)
                {
                    Volatile.Write(ref _dropped, _dropped + 1);
                    continue;
                }

                _skipping = false;
            }

            Volatile.Write(ref _delivered, _delivered + 1);
            unit = slot.Unit;
            return true;
        }
    }

    /// <summary>
    /// Back-pressure hook (consumer only): its transport is backed up, so drop everything published so far and resume
    /// at the next keyframe published; the units are counted as dropped.
    /// </summary>
    public void SkipToNextKeyframe()
    {
        var published = _ring.Published;
        Volatile.Write(ref _skips, _skips + 1);
        Volatile.Write(ref _dropped, _dropped + (published - _position));
        Volatile.Write(ref _offset, _ring.PublishedBytes);
        Volatile.Write(ref _position, published);
        _skipping = true;
    }

    /// <summary>Reads units until the ring ends (consumer only) or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out var unit))
            {
                yield return unit;
            }
        }
    }

    /// <summary>Detaches from the ring (any thread); a pending wait returns false.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ring.Detach(this);
        Wake();
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

    // The oldest sequence this reader may still read (the writer releases what is older; it reads no lock).
    internal long RetainFrom(long published) => Math.Max(Volatile.Read(ref _position), published - MaxLagUnits);

    // Completes a pending wait (the writer after a unit or the end, Dispose, or the wait's own re-check).
    internal void Wake()
    {
        if (Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
        {
            _waiter.SetResult(!IsDisposed && (HasUnread || !_ring.IsCompleted));
        }
    }

    // Jumps to the earliest keyframe after `from` within the bounds (walking back from the latest one), or else to the
    // end of what is published, waiting for the next keyframe; everything passed over is dropped and counted.
    private void SkipAhead(long from, long published)
    {
        var bytes = _ring.PublishedBytes;
        var target = published;
        var targetOffset = bytes;
        var found = false;
        var keyframe = _ring.LastKeyframe;
        while (keyframe > from && _ring.TryReadSlot(keyframe, out var slot)
            && Fits(published - keyframe, bytes - slot.Offset))
        {
            target = keyframe;
            targetOffset = slot.Offset;
            found = true;
            keyframe = slot.PreviousKeyframe;
        }

        // A skip, unless the reader was still waiting for its first keyframe and none came since.
        if (!_skipping || _ring.LastKeyframe >= from)
        {
            Volatile.Write(ref _skips, _skips + 1);
        }

        Volatile.Write(ref _dropped, _dropped + (target - from));
        Volatile.Write(ref _offset, targetOffset);
        Volatile.Write(ref _position, target);
        _skipping = !found;
    }

    // Whether `units` and `bytes` behind the writer is within this reader's bounds (one unit always is).
    private bool Fits(long units, long bytes) => units <= MaxLagUnits && (units <= 1 || bytes <= MaxLagBytes);

    private void CancelWait(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
        {
            _waiter.SetException(new OperationCanceledException(cancellationToken));
        }
    }
}
