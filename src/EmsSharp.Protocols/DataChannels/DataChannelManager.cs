using EmsSharp.Protocols.Sctp;

namespace EmsSharp.Protocols.DataChannels;

/// <summary>
/// WebRTC data channels (RFC 8831) with DCEP (RFC 8832) over one <see cref="SctpAssociation"/>, sans-IO.
/// The driver feeds it the DTLS application data (<see cref="HandleInbound"/>), timer expiries
/// (<see cref="HandleTimeout"/>), sends what <see cref="TryPollTransmit"/> produces as DTLS application
/// data, and drains <see cref="TryPollEvent"/>. Call <see cref="Start"/> once DTLS is connected.
/// </summary>
public sealed class DataChannelManager
{
    private readonly DataChannelManagerOptions _options;
    private readonly Dictionary<ushort, DataChannel> _channels = [];
    private readonly Queue<DataChannelEvent> _events = new();
    private readonly List<DataChannel> _pendingOpens = [];
    private ushort _nextId;
    private int _peerChannelCount;
    private bool _disconnected;

    /// <summary>Creates the manager and its association.</summary>
    public DataChannelManager(DataChannelManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Association = new SctpAssociation(options.Association);
        _nextId = (ushort)(options.IsDtlsClient ? 0 : 1);
    }

    /// <summary>Counters for tests and metrics.</summary>
    internal DataChannelStatistics Statistics { get; } = new();

    /// <summary>The underlying SCTP association.</summary>
    public SctpAssociation Association { get; }

    /// <summary>Channels that are not closed, by stream id.</summary>
    public IReadOnlyDictionary<ushort, DataChannel> Channels => _channels;

    /// <summary>See <see cref="SctpAssociation.NextTimeout"/>.</summary>
    public TimeSpan? NextTimeout => Association.NextTimeout;

    /// <summary>Sends INIT; in WebRTC both sides do so once DTLS is up (an INIT collision is handled, RFC 9260 §5.2).</summary>
    public void Start(TimeSpan now) => Association.Connect(now);

    /// <summary>One inbound SCTP packet (= one DTLS application-data record). Returns false if it was dropped.</summary>
    public bool HandleInbound(ReadOnlySpan<byte> packet, TimeSpan now)
    {
        var accepted = Association.HandleInbound(packet, now);
        Pump();
        return accepted;
    }

    /// <summary>Runs due timers.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        Association.HandleTimeout(now);
        Pump();
    }

    /// <summary>Next packet to send as DTLS application data; see <see cref="SctpAssociation.TryPollTransmit"/>.</summary>
    public bool TryPollTransmit(Span<byte> buffer, TimeSpan now, out int length)
    {
        var produced = Association.TryPollTransmit(buffer, now, out length);
        Pump();
        return produced;
    }

    /// <summary>Takes the next channel event, if any.</summary>
    public bool TryPollEvent(out DataChannelEvent ev)
    {
        Pump();
        return _events.TryDequeue(out ev);
    }

    /// <summary>Gracefully shuts the association down (all channels close).</summary>
    public void Shutdown() => Association.Shutdown();

    /// <summary>
    /// Opens a channel. Without <see cref="DataChannelOptions.Negotiated"/> a stream id of our parity is
    /// chosen and DATA_CHANNEL_OPEN is sent (at once, or when the association comes up); the channel opens
    /// on DATA_CHANNEL_ACK. A negotiated channel uses <see cref="DataChannelOptions.Id"/> and opens with the association.
    /// </summary>
    /// <exception cref="ArgumentException">Both partial-reliability limits set, a negotiated channel without id, or the id in use.</exception>
    /// <exception cref="InvalidOperationException">No stream id left, or the association has ended.</exception>
    public DataChannel OpenChannel(string label, DataChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        options ??= new DataChannelOptions();
        if (options.MaxRetransmits is not null && options.MaxPacketLifeTime is not null)
        {
            throw new ArgumentException("MaxRetransmits and MaxPacketLifeTime are exclusive.", nameof(options));
        }

        if (_disconnected)
        {
            throw new InvalidOperationException("The association has ended.");
        }

        var connected = Association.State == SctpAssociationState.Established;
        ushort id;
        if (options.Negotiated)
        {
            id = options.Id ?? throw new ArgumentException("A negotiated channel needs an Id.", nameof(options));
            if (_channels.ContainsKey(id))
            {
                throw new ArgumentException($"Stream id {id} is in use.", nameof(options));
            }
        }
        else
        {
            id = AllocateId();
        }

        var channel = new DataChannel(this, id, label, options, connected && options.Negotiated ? DataChannelState.Open : DataChannelState.Connecting);
        _channels[id] = channel;
        if (options.Negotiated)
        {
            if (connected)
            {
                _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelOpen, channel));
            }
        }
        else if (connected)
        {
            SendOpen(channel);
        }
        else
        {
            channel.OpenPending = true;
            _pendingOpens.Add(channel);
        }

        return channel;
    }

    private ushort AllocateId()
    {
        // RFC 8832 §6: DTLS client even, server odd; skip ids in use.
        var limit = Association.OutboundStreamCount > 0 ? Association.OutboundStreamCount : _options.Association.OutboundStreams;
        for (var tries = 0; tries < limit / 2; tries++)
        {
            var id = _nextId;
            _nextId = (ushort)(_nextId + 2 >= limit ? (_options.IsDtlsClient ? 0 : 1) : _nextId + 2);
            if (!_channels.ContainsKey(id))
            {
                return id;
            }
        }

        throw new InvalidOperationException("No free stream id for a new data channel.");
    }

    private void SendOpen(DataChannel channel)
    {
        var reliability = channel.MaxRetransmits is { } r ? (uint)r : channel.MaxPacketLifeTime is { } t ? (uint)t.TotalMilliseconds : 0;
        var open = new DataChannelOpenMessage(channel.ChannelType, channel.Priority, reliability, channel.Label, channel.Protocol);
        var bytes = new byte[open.GetSerializedLength()];
        open.TryWrite(bytes, out _);
        // RFC 8832 §6: DCEP messages go reliable and ordered.
        Association.Send(channel.Id, DataChannelPpid.Dcep, bytes, default, countBuffered: false);
    }

    internal void SendOnChannel(DataChannel channel, ReadOnlySpan<byte> data, bool isText)
    {
        var options = CheckSend(channel, data.Length);
        if (data.IsEmpty)
        {
            // RFC 8831 §6.6: an empty message is one zero byte with the "empty" PPID.
            Association.Send(channel.Id, isText ? DataChannelPpid.StringEmpty : DataChannelPpid.BinaryEmpty, [0], options);
        }
        else
        {
            Association.Send(channel.Id, isText ? DataChannelPpid.String : DataChannelPpid.Binary, data, options);
        }
    }

    internal void SendImmutableOnChannel(DataChannel channel, ReadOnlyMemory<byte> data)
    {
        var options = CheckSend(channel, data.Length);
        if (data.IsEmpty)
        {
            Association.Send(channel.Id, DataChannelPpid.BinaryEmpty, [0], options);
        }
        else
        {
            Association.SendImmutable(channel.Id, DataChannelPpid.Binary, data, options);
        }
    }

    private SctpSendOptions CheckSend(DataChannel channel, int length)
    {
        if (channel.State != DataChannelState.Open)
        {
            throw new InvalidOperationException($"Data channel '{channel.Label}' (id {channel.Id}) is {channel.State}, not open.");
        }

        if (_options.RemoteMaxMessageSize > 0 && length > _options.RemoteMaxMessageSize)
        {
            throw new ArgumentOutOfRangeException("data", length,
                $"Message of {length} bytes exceeds the peer's max-message-size of {_options.RemoteMaxMessageSize} bytes (a=max-message-size).");
        }

        return new SctpSendOptions
        {
            Unordered = !channel.Ordered,
            MaxRetransmits = channel.MaxRetransmits,
            Lifetime = channel.MaxPacketLifeTime,
        };
    }

    internal void CloseChannel(DataChannel channel)
    {
        if (channel.State is DataChannelState.Closing or DataChannelState.Closed)
        {
            return;
        }

        channel.State = DataChannelState.Closing;
        if (channel.OpenPending)
        {
            _pendingOpens.Remove(channel);
            Finish(channel);
            return;
        }

        Association.ResetStreams([channel.Id]);
    }

    /// <summary>Turns association events into channel events.</summary>
    private void Pump()
    {
        while (Association.TryPollEvent(out var ev))
        {
            switch (ev.Kind)
            {
                case SctpEventKind.Connected:
                    OnConnected();
                    break;
                case SctpEventKind.MessageReceived:
                    OnMessage(ev);
                    break;
                case SctpEventKind.IncomingStreamsReset:
                    OnStreamsReset(ev.Streams!, incoming: true);
                    break;
                case SctpEventKind.OutgoingStreamsReset:
                case SctpEventKind.StreamResetFailed:
                    OnStreamsReset(ev.Streams!, incoming: false);
                    break;
                case SctpEventKind.BufferedAmountLow:
                    if (_channels.TryGetValue(ev.StreamId, out var low))
                    {
                        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.BufferedAmountLow, low));
                    }

                    break;
                case SctpEventKind.Closed:
                case SctpEventKind.Aborted:
                    OnDisconnected(ev.Reason);
                    break;
            }
        }
    }

    private void OnConnected()
    {
        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.Connected, null));
        foreach (var channel in _channels.Values)
        {
            if (channel.Negotiated && channel.State == DataChannelState.Connecting)
            {
                channel.State = DataChannelState.Open;
                _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelOpen, channel));
            }
        }

        foreach (var channel in _pendingOpens)
        {
            channel.OpenPending = false;
            SendOpen(channel);
        }

        _pendingOpens.Clear();
    }

    private void OnMessage(SctpEvent ev)
    {
        var data = ev.Data!;
        _channels.TryGetValue(ev.StreamId, out var channel);
        if (ev.Ppid == DataChannelPpid.Dcep)
        {
            OnDcep(ev.StreamId, data, channel);
            return;
        }

        if (channel is null || channel.State == DataChannelState.Closed)
        {
            return; // no channel on this stream: drop
        }

        if (channel.State == DataChannelState.Connecting && !channel.OpenPending)
        {
            // RFC 8832 §6: user data before the ACK implies the ACK.
            MarkOpen(channel);
        }

        switch (ev.Ppid)
        {
            case DataChannelPpid.String:
            case DataChannelPpid.Binary:
            case DataChannelPpid.StringPartial:
            case DataChannelPpid.BinaryPartial:
                // The partial PPIDs are deprecated (RFC 8831 §8) but accepted on receive, bounded by our max-message-size.
                var final = ev.Ppid is DataChannelPpid.String or DataChannelPpid.Binary;
                var whole = channel.AppendPart(data, final, _options.Association.MaxMessageSize, out var overflowed);
                if (overflowed)
                {
                    Statistics.OversizedMessagesDropped++;
                }

                if (whole is not null)
                {
                    _events.Enqueue(new DataChannelEvent(DataChannelEventKind.Message, channel, whole, ev.Ppid == DataChannelPpid.String));
                }

                break;
            case DataChannelPpid.StringEmpty:
            case DataChannelPpid.BinaryEmpty:
                _events.Enqueue(new DataChannelEvent(DataChannelEventKind.Message, channel, [], ev.Ppid == DataChannelPpid.StringEmpty));
                break;
            default:
                break;
        }
    }

    private void OnDcep(ushort streamId, byte[] data, DataChannel? channel)
    {
        if (data.Length == 1 && data[0] == DataChannelOpenMessage.AckMessageType)
        {
            if (channel is { State: DataChannelState.Connecting })
            {
                MarkOpen(channel);
            }

            return;
        }

        // RFC 8832 §6: the opener uses its own parity; an OPEN on our parity or a busy stream is ignored.
        var peerParity = _options.IsDtlsClient ? 1 : 0;
        if (channel is not null || streamId % 2 != peerParity || !DataChannelOpenMessage.TryRead(data, out var open, out _))
        {
            return;
        }

        if (_peerChannelCount >= _options.MaxPeerChannels)
        {
            // RFC 8831 §6.7: refuse by resetting the stream; the peer sees its channel close.
            Statistics.PeerChannelsRefused++;
            Association.ResetStreams([streamId]);
            _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelRefused, null,
                reason: $"peer channel '{open.Label}' on stream {streamId} refused: already {_peerChannelCount} open, the limit"));
            return;
        }

        var type = (byte)open.ChannelType;
        var options = new DataChannelOptions
        {
            Ordered = (type & 0x80) == 0,
            MaxRetransmits = (type & 0x7F) == 1 ? (int)Math.Min(open.ReliabilityParameter, int.MaxValue) : null,
            MaxPacketLifeTime = (type & 0x7F) == 2 ? TimeSpan.FromMilliseconds(open.ReliabilityParameter) : null,
            Protocol = open.Protocol,
            Priority = open.Priority,
        };
        var created = new DataChannel(this, streamId, open.Label, options, DataChannelState.Open) { OpenedByPeer = true };
        _channels[streamId] = created;
        _peerChannelCount++;
        Association.Send(streamId, DataChannelPpid.Dcep, [DataChannelOpenMessage.AckMessageType], default, countBuffered: false);
        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelOpenedByPeer, created));
    }

    private void MarkOpen(DataChannel channel)
    {
        channel.State = DataChannelState.Open;
        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelOpen, channel));
    }

    private void OnStreamsReset(ushort[] streams, bool incoming)
    {
        foreach (var id in streams)
        {
            if (!_channels.TryGetValue(id, out var channel))
            {
                continue;
            }

            if (incoming)
            {
                // RFC 8831 §6.7: the peer closed its direction; close ours too.
                channel.RemoteResetDone = true;
                if (channel.State != DataChannelState.Closing)
                {
                    channel.State = DataChannelState.Closing;
                    Association.ResetStreams([id]);
                }
            }
            else
            {
                channel.LocalResetDone = true;
            }

            if (channel.LocalResetDone && channel.RemoteResetDone)
            {
                Finish(channel);
            }
        }
    }

    private void Finish(DataChannel channel)
    {
        channel.State = DataChannelState.Closed;
        _channels.Remove(channel.Id);
        if (channel.OpenedByPeer)
        {
            _peerChannelCount--;
        }

        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelClosed, channel));
    }

    private void OnDisconnected(string? reason)
    {
        _disconnected = true;
        foreach (var channel in _channels.Values)
        {
            channel.State = DataChannelState.Closed;
            _events.Enqueue(new DataChannelEvent(DataChannelEventKind.ChannelClosed, channel));
        }

        _channels.Clear();
        _peerChannelCount = 0;
        _pendingOpens.Clear();
        _events.Enqueue(new DataChannelEvent(DataChannelEventKind.Disconnected, null, reason: reason));
    }
}
