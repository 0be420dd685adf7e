using System.Buffers;
using System.Text;
using EmsSharp.Protocols.DataChannels;

namespace EmsSharp.WebRtc;

/// <summary>
/// A WebRTC data channel (RFC 8831) of a <see cref="PeerSession"/>, made by <see cref="PeerSession.CreateDataChannel"/>
/// or announced by <see cref="PeerSession.DataChannelOpenedByPeer"/>.
/// <para>Thread rules: <see cref="Send(ReadOnlySpan{byte})"/>, <see cref="SendText"/>, <see cref="Close"/>, <see cref="BufferedAmount"/>,
/// <see cref="State"/> and <see cref="WaitForBufferedAmountBelowAsync"/> may be called from any thread; the work is
/// marshalled onto the session's loop, which alone touches the SCTP core. Events are raised on that loop, one at a
/// time, in protocol order: handlers must not block (post long work elsewhere).</para>
/// </summary>
public sealed class PeerDataChannel
{
    private readonly PeerSession _session;
    private readonly Lock _lock = new();
    private readonly List<(long Threshold, TaskCompletionSource Done)> _waiters = [];
    private long _queued;
    private long _coreBuffered;
    private long _lowThreshold;
    private volatile DataChannelState _state = DataChannelState.Connecting;

    internal PeerDataChannel(PeerSession session, string label, DataChannelOptions options)
    {
        _session = session;
        Label = label;
        Options = options;
    }

    /// <summary>Raised on the session loop when the channel opened (DATA_CHANNEL_ACK, RFC 8832 §6).</summary>
    public event Action<PeerDataChannel>? Opened;

    /// <summary>Raised on the session loop for each message; the payload is owned by the handler.</summary>
    public event Action<PeerDataChannel, PeerDataChannelMessage>? MessageReceived;

    /// <summary>Raised on the session loop when the buffered amount fell to <see cref="BufferedAmountLowThreshold"/> or below.</summary>
    public event Action<PeerDataChannel>? BufferedAmountLow;

    /// <summary>Raised on the session loop once the channel is closed (stream reset both ways, or the session ended).</summary>
    public event Action<PeerDataChannel>? Closed;

    /// <summary>The label (RTCDataChannel.label).</summary>
    public string Label { get; }

    /// <summary>How the channel was opened.</summary>
    public DataChannelOptions Options { get; }

    /// <summary>The SCTP stream id, once assigned (when the association is up); -1 before.</summary>
    public int Id { get; internal set; } = -1;

    /// <summary>The ready state; any thread.</summary>
    public DataChannelState State => _state;

    /// <summary>
    /// Bytes passed to <see cref="Send(ReadOnlySpan{byte})"/>/<see cref="SendText"/> and not yet acknowledged by the peer: those still on
    /// their way to the loop plus those the SCTP association holds. Any thread.
    /// </summary>
    public long BufferedAmount
    {
        get
        {
            lock (_lock)
            {
                return _queued + _coreBuffered;
            }
        }
    }

    /// <summary>Low-water mark of <see cref="BufferedAmountLow"/> (default 0). Any thread.</summary>
    public long BufferedAmountLowThreshold
    {
        get => Interlocked.Read(ref _lowThreshold);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Interlocked.Exchange(ref _lowThreshold, value);
            _session.PostDataChannelThreshold(this);
        }
    }

    internal DataChannel? Core { get; set; }

    /// <summary>Loop only: bytes handed to the core since the last <see cref="UpdateBuffered"/>.</summary>
    internal long Handed { get; set; }

    /// <summary>
    /// Sends a binary message (copied into a pooled buffer; the caller may reuse <paramref name="data"/> at once).
    /// Any thread. Returns false when the channel is not open.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Larger than the peer's <c>a=max-message-size</c>.</exception>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (!CanSend(data.Length))
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        return Enqueue(buffer, data.Length, isText: false);
    }

    /// <summary>Sends a binary message; see <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    public bool Send(ReadOnlyMemory<byte> data) => Send(data.Span);

    /// <summary>
    /// Sends a binary message whose owner never writes <paramref name="data"/> again (a fan-out buffer that every viewer
    /// of a stream sends). On the session's worker the SCTP core references it until acknowledged: no copy and no post.
    /// From any other thread it is copied as <see cref="Send(ReadOnlySpan{byte})"/> does. Returns false when the channel
    /// is not open.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Larger than the peer's <c>a=max-message-size</c>.</exception>
    public bool SendImmutable(ReadOnlyMemory<byte> data)
    {
        if (!_session.IsOnLoop)
        {
            return Send(data.Span);
        }

        return CanSend(data.Length) && _session.SendImmutableOnLoop(this, data);
    }

    /// <summary>Sends a text message as UTF-8. Any thread. Returns false when the channel is not open.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Larger than the peer's <c>a=max-message-size</c>.</exception>
    public bool SendText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var length = Encoding.UTF8.GetByteCount(text);
        if (!CanSend(length))
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        Encoding.UTF8.GetBytes(text, buffer);
        return Enqueue(buffer, length, isText: true);
    }

    /// <summary>
    /// Completes once <see cref="BufferedAmount"/> is below <paramref name="threshold"/> (at once if it already is):
    /// the back-pressure primitive of a bulk sender. Completes too when the channel closes. Any thread.
    /// </summary>
    public Task WaitForBufferedAmountBelowAsync(long threshold, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_queued + _coreBuffered < threshold || _state == DataChannelState.Closed)
            {
                return Task.CompletedTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((threshold, done));
        }

        return cancellationToken.CanBeCanceled ? done.Task.WaitAsync(cancellationToken) : done.Task;
    }

    /// <summary>Closes the channel (outgoing stream reset, RFC 8831 §6.7); <see cref="Closed"/> follows. Any thread.</summary>
    public void Close() => _session.PostDataChannelClose(this);

    internal void SetState(DataChannelState state) => _state = state;

    /// <summary>Loop: bytes handed from the queue to the core, and the core's current buffered amount.</summary>
    internal void UpdateBuffered(long handed, long coreBuffered)
    {
        lock (_lock)
        {
            _queued -= handed;
            _coreBuffered = coreBuffered;
            if (_waiters.Count == 0)
            {
                return;
            }

            var total = _queued + _coreBuffered;
            var closed = _state == DataChannelState.Closed;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (closed || total < _waiters[i].Threshold)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal void RaiseOpened() => Opened?.Invoke(this);

    internal void RaiseMessage(PeerDataChannelMessage message) => MessageReceived?.Invoke(this, message);

    internal void RaiseBufferedAmountLow() => BufferedAmountLow?.Invoke(this);

    internal void RaiseClosed() => Closed?.Invoke(this);

    private bool CanSend(int length)
    {
        if (_state != DataChannelState.Open)
        {
            return false;
        }

        var limit = _session.RemoteMaxMessageSize;
        if (limit > 0 && length > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"Message of {length} bytes exceeds the peer's max-message-size of {limit} bytes.");
        }

        return true;
    }

    private bool Enqueue(byte[] buffer, int length, bool isText)
    {
        lock (_lock)
        {
            _queued += length;
        }

        if (_session.PostDataChannelSend(this, buffer, length, isText))
        {
            return true;
        }

        lock (_lock)
        {
            _queued -= length;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }
}
