using System.Buffers;
using System.Text;

namespace EmsSharp.Protocols.DataChannels;

/// <summary>
/// One WebRTC data channel (RFC 8831) on one SCTP stream. Created by <see cref="DataChannelManager.OpenChannel"/>
/// or announced by a <see cref="DataChannelEventKind.ChannelOpenedByPeer"/> event. Single-threaded like its manager.
/// </summary>
public sealed class DataChannel
{
    private readonly DataChannelManager _manager;
    private long _lowThreshold;
    private ArrayBufferWriter<byte>? _partial;
    private bool _discardingPartial;

    internal DataChannel(DataChannelManager manager, ushort id, string label, DataChannelOptions options, DataChannelState state)
    {
        _manager = manager;
        Id = id;
        Label = label;
        Protocol = options.Protocol;
        Ordered = options.Ordered;
        MaxRetransmits = options.MaxRetransmits;
        MaxPacketLifeTime = options.MaxPacketLifeTime;
        Priority = options.Priority;
        Negotiated = options.Negotiated;
        State = state;
    }

    /// <summary>The SCTP stream id.</summary>
    public ushort Id { get; }

    /// <summary>The channel label.</summary>
    public string Label { get; }

    /// <summary>The sub-protocol.</summary>
    public string Protocol { get; }

    /// <summary>Whether messages are delivered in order.</summary>
    public bool Ordered { get; }

    /// <summary>Retransmission limit, if partially reliable by count.</summary>
    public int? MaxRetransmits { get; }

    /// <summary>Lifetime limit, if partially reliable by time.</summary>
    public TimeSpan? MaxPacketLifeTime { get; }

    /// <summary>DCEP priority.</summary>
    public ushort Priority { get; }

    /// <summary>Whether the channel was pre-negotiated (no DCEP).</summary>
    public bool Negotiated { get; }

    /// <summary>The ready state.</summary>
    public DataChannelState State { get; internal set; }

    /// <summary>Bytes handed to <see cref="Send"/> that the peer has not acknowledged yet (nor were abandoned).</summary>
    public long BufferedAmount => _manager.Association.GetBufferedAmount(Id);

    /// <summary>Low-water mark for <see cref="DataChannelEventKind.BufferedAmountLow"/> (default 0).</summary>
    public long BufferedAmountLowThreshold
    {
        get => _lowThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _lowThreshold = value;
            _manager.Association.SetBufferedAmountLowThreshold(Id, value);
        }
    }

    internal bool LocalResetDone { get; set; }

    internal bool RemoteResetDone { get; set; }

    internal bool OpenPending { get; set; }

    internal DataChannelType ChannelType => (DataChannelType)((Ordered ? 0 : 0x80) | (MaxRetransmits is not null ? 1 : MaxPacketLifeTime is not null ? 2 : 0));

    /// <summary>Sends a binary message (PPID 53; an empty one as PPID 57, RFC 8831 §6.6).</summary>
    /// <exception cref="InvalidOperationException">The channel is not open.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The message is larger than the peer's max-message-size.</exception>
    public void Send(ReadOnlySpan<byte> data) => _manager.SendOnChannel(this, data, isText: false);

    /// <summary>
    /// Sends a binary message whose bytes are referenced until acknowledged, not copied: the caller must never write
    /// <paramref name="data"/> again (a fan-out buffer shared by many channels). Otherwise as <see cref="Send"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The channel is not open.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The message is larger than the peer's max-message-size.</exception>
    public void SendImmutable(ReadOnlyMemory<byte> data) => _manager.SendImmutableOnChannel(this, data);

    /// <summary>Sends a text message as UTF-8 (PPID 51; an empty one as PPID 56).</summary>
    /// <exception cref="InvalidOperationException">The channel is not open.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The encoded message is larger than the peer's max-message-size.</exception>
    public void SendText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            _manager.SendOnChannel(this, buffer.AsSpan(0, length), isText: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the channel by resetting its outgoing stream (RFC 8831 §6.7); the peer resets its side in turn.</summary>
    public void Close() => _manager.CloseChannel(this);

    /// <summary>Whether the peer opened this channel with DATA_CHANNEL_OPEN.</summary>
    internal bool OpenedByPeer { get; init; }

    /// <summary>
    /// Accumulates a deprecated partial message (PPID 52/54, RFC 8831 §8) of at most <paramref name="maxSize"/>
    /// bytes. Returns the whole message once its final part arrives; null while it is incomplete, or when it is
    /// dropped: <paramref name="overflowed"/> says this part took it over <paramref name="maxSize"/>, and the
    /// rest of that message (up to its final part) is dropped too.
    /// </summary>
    internal byte[]? AppendPart(byte[] data, bool final, int maxSize, out bool overflowed)
    {
        overflowed = false;
        if (_discardingPartial)
        {
            _discardingPartial = !final;
            return null;
        }

        var held = _partial?.WrittenCount ?? 0;
        if ((long)held + data.Length > maxSize)
        {
            _partial = null;
            _discardingPartial = !final;
            overflowed = true;
            return null;
        }

        if (!final)
        {
            (_partial ??= new ArrayBufferWriter<byte>()).Write(data);
            return null;
        }

        if (_partial is null)
        {
            return data;
        }

        _partial.Write(data);
        var whole = _partial.WrittenSpan.ToArray();
        _partial = null;
        return whole;
    }
}
