using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace EmsSharp.Media.Hub;

/// <summary>
/// One reader of a live stream with a bounded queue. It starts with the stream's GOP cache (a keyframe
/// first); when the queue is full it discards what it holds and skips to the next keyframe, counting every
/// frame it dropped, so the publisher never waits for it. Single consumer: one <see cref="WaitToReadAsync"/>
/// at a time. Dispose it to detach from the stream.
/// </summary>
public sealed class LiveStreamReader : IDisposable, IValueTaskSource<bool>
{
    private readonly LiveStream _stream;
    private readonly Lock _gate = new();
    private readonly MediaFrame[] _ring;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _head;
    private int _count;
    private bool _skipping = true;
    private bool _completed;
    private bool _disposed;
    private bool _waiting;
    private long _dropped;
    private long _overflows;

    internal LiveStreamReader(LiveStream stream, int capacity)
    {
        _stream = stream;
        _ring = new MediaFrame[capacity];
    }

    /// <summary>The stream this reader reads.</summary>
    public LiveStream Stream => _stream;

    /// <summary>The queue capacity in frames.</summary>
    public int Capacity => _ring.Length;

    /// <summary>Frames queued and not yet read.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Frames this reader dropped because it fell behind (or joined before a keyframe).</summary>
    public long DroppedFrames => Volatile.Read(ref _dropped);

    /// <summary>How many times the queue overflowed and the reader skipped to the next keyframe.</summary>
    public long Overflows => Volatile.Read(ref _overflows);

    /// <summary>
    /// Waits until a frame can be read (true) or the stream has ended and the queue is drained (false).
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
                throw new InvalidOperationException("A LiveStreamReader allows one pending wait at a time.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            _waiter.Reset();
            _waiting = true;
            token = _waiter.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, ct) => ((LiveStreamReader)state!).CancelWait(ct), this);
        }

        return new ValueTask<bool>(this, token);
    }

    /// <summary>Takes the next queued frame, if any.</summary>
    public bool TryRead(out MediaFrame frame)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                frame = default;
                return false;
            }

            frame = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            return true;
        }
    }

    /// <summary>Reads frames until the stream ends or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<MediaFrame> ReadAllAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out var frame))
            {
                yield return frame;
            }
        }
    }

    /// <summary>Detaches from the stream and drops what is queued; a pending wait returns false.</summary>
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

        _stream.Detach(this);
        Complete();
        lock (_gate)
        {
            Array.Clear(_ring);
            _count = 0;
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

    // Called by the stream under its lock, so the cache and the live frames cannot interleave.
    internal void Prefill(List<MediaFrame> frames)
    {
        lock (_gate)
        {
            foreach (var frame in frames)
            {
                _ring[(_head + _count) % _ring.Length] = frame;
                _count++;
            }

            _skipping = false;
        }
    }

    // Called by the publisher; never blocks beyond this reader's short lock.
    internal void Enqueue(in MediaFrame frame, bool streamHasVideo)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (_count == _ring.Length)
            {
                // Full: the queued frames are stale; discard them and resume at the next keyframe.
                _dropped += _count;
                _overflows++;
                Array.Clear(_ring);
                _head = 0;
                _count = 0;
                _skipping = true;
            }

            if (_skipping)
            {
                // Resume on a video keyframe; an audio-only stream resumes on any audio frame.
                if (!frame.IsKeyframe || (frame.Kind != TrackKind.Video && streamHasVideo))
                {
                    _dropped++;
                    return;
                }

                _skipping = false;
            }

            _ring[(_head + _count) % _ring.Length] = frame;
            _count++;
            if (_waiting)
            {
                _waiting = false;
                _waiter.SetResult(true);
            }
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
