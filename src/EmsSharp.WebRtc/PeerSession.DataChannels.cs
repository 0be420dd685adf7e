using System.Buffers;
using System.Text;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sctp;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// Data channels (RFC 8831/8832, PROTOCOL.md §4): a <see cref="DataChannelManager"/> driven by the session loop. It is
/// created and started when DTLS connects and both descriptions carry an accepted SCTP <c>m=application</c>; DTLS
/// application data feeds it, its timers share the session timer, and after every batch of inputs its packets are
/// sent as DTLS application data. Only the loop touches the manager; the public API marshals onto it.
/// </summary>
public sealed partial class PeerSession
{
    /// <summary>Largest SCTP packet (RFC 9260 allows more, but one DTLS record carries at most 16 KiB).</summary>
    private const int MaxSctpPacket = 16384;

    private readonly List<PeerDataChannel> _pendingChannels = [];
    private readonly Dictionary<DataChannel, PeerDataChannel> _channels = [];
    private DataChannelManager? _dataChannels;
    private WebRtcOfferOptions? _localOffer;
    private byte[]? _sctpBuffer;

    // For the snapshot: SCTP packets the DTLS transport would not take (worker only), and DTLS datagrams handed to the
    // path (any thread: the handshake's flights come from its thread). Received: DTLS datagrams handed to the transport
    // and those it refused (queue full or closed), and application-data records it delivered (worker only).
    private long _sctpPacketsRefused;
    private long _dtlsRecordsSent;
    private long _dtlsDatagramsReceived;
    private long _dtlsDatagramsRefused;
    private long _dtlsRecordsDelivered;

    // DTLS records of one drain of the channels, sent as one batch (TransmitDtls). One batch per thread, like the srtp
    // sender's video batch: a drain runs to its end without yielding, so the workers bound the memory, not the viewers.
    private const int MaxBatchedRecords = 64;
    private const int MaxRecord = 2048;

    [ThreadStatic]
    private static DatagramBatch? t_dtlsBatch;

    private DatagramBatch? _dtlsBatch;
    private int _dtlsBatchThread;
    private volatile int _remoteMaxMessageSize = 65536;

    /// <summary>
    /// The peer opened a channel (RTCPeerConnection.createDataChannel on the browser side); it is open already.
    /// Raised on the session loop: subscribe to the channel's events inside the handler to miss no message.
    /// </summary>
    public event Action<PeerSession, PeerDataChannel>? DataChannelOpenedByPeer;

    /// <summary>The peer's <c>a=max-message-size</c> (RFC 8841 §6): larger sends are refused; 0 = no limit.</summary>
    public int RemoteMaxMessageSize => _remoteMaxMessageSize;

    /// <summary>
    /// Opens a data channel; any thread, before or after the session connects. Channels open in call order (DCEP
    /// DATA_CHANNEL_OPEN is sent in that order once the SCTP association is up), so the ems opens
    /// <c>emsCommandChannel</c> first, then <c>emsStreamChannel</c>. Watch <see cref="PeerDataChannel.Opened"/> or
    /// <see cref="PeerDataChannel.State"/>. The session must offer or accept data channels (an
    /// <c>m=application</c>); otherwise the channel closes when DTLS connects.
    /// </summary>
    /// <param name="label">The channel's label.</param>
    /// <param name="options">Ordering, reliability, protocol and priority (defaults: reliable and ordered).</param>
    /// <param name="beforeOpen">
    /// Runs before the channel can open, on the calling thread: attach here the handlers that must see its first message.
    /// Once this returns, the session's worker may open the channel and deliver the peer's messages at once, before the
    /// caller's next line runs.
    /// </param>
    /// <exception cref="ArgumentException">Both partial-reliability limits are set.</exception>
    public PeerDataChannel CreateDataChannel(string label, DataChannelOptions? options = null, Action<PeerDataChannel>? beforeOpen = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        options ??= new DataChannelOptions();
        if (options.MaxRetransmits is not null && options.MaxPacketLifeTime is not null)
        {
            throw new ArgumentException("MaxRetransmits and MaxPacketLifeTime are exclusive.", nameof(options));
        }

        var channel = new PeerDataChannel(this, label, options);
        beforeOpen?.Invoke(channel);
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () => OpenOnLoop(channel)));
        return channel;
    }

    internal bool PostDataChannelSend(PeerDataChannel channel, byte[] buffer, int length, bool isText) =>
        _worker.Post(this, new PeerSessionInput(PeerSessionInputKind.DataChannelSend, buffer, length,
            Channel: channel, IsText: isText));

    /// <summary>True on the session's worker thread, where <see cref="SendImmutableOnLoop"/> may run.</summary>
    internal bool IsOnLoop => _worker.IsLoopThread;

    /// <summary>
    /// Worker loop only: hands <paramref name="data"/> (never written again by its owner) straight to the channel's SCTP
    /// core, which references it until acknowledged: no copy, no post. Its packets leave at the end of the worker's turn.
    /// </summary>
    internal bool SendImmutableOnLoop(PeerDataChannel channel, ReadOnlyMemory<byte> data)
    {
        if (channel.Core is not { State: DataChannelState.Open } core)
        {
            return false;
        }

        try
        {
            core.SendImmutable(data);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            LogDataChannelSendFailed(_logger, LocalUfrag, channel.Label, e.Message);
            return false;
        }

        channel.UpdateBuffered(0, core.BufferedAmount);
        _worker.Touch(this);
        return true;
    }

    internal void PostDataChannelClose(PeerDataChannel channel) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () => CloseOnLoop(channel)));

    internal void PostDataChannelThreshold(PeerDataChannel channel) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () =>
        {
            if (channel.Core is { State: not DataChannelState.Closed } core)
            {
                core.BufferedAmountLowThreshold = channel.BufferedAmountLowThreshold;
            }
        }));

    private void OpenOnLoop(PeerDataChannel channel)
    {
        if (channel.State == DataChannelState.Closed)
        {
            return;
        }

        if (_dataChannels is not null)
        {
            OpenCore(channel);
        }
        else if (_state is PeerSessionState.Failed or PeerSessionState.Closed || SrtpKeys is not null)
        {
            FinishChannel(channel); // the session ended, or connected without data channels
        }
        else
        {
            _pendingChannels.Add(channel);
        }
    }

    private void OpenCore(PeerDataChannel channel)
    {
        try
        {
            var core = _dataChannels!.OpenChannel(channel.Label, channel.Options);
            Attach(channel, core);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            LogDataChannelRefused(_logger, LocalUfrag, channel.Label, e.Message);
            FinishChannel(channel);
        }
    }

    private void Attach(PeerDataChannel channel, DataChannel core)
    {
        channel.Core = core;
        channel.Id = core.Id;
        _channels[core] = channel;
        if (channel.BufferedAmountLowThreshold > 0)
        {
            core.BufferedAmountLowThreshold = channel.BufferedAmountLowThreshold;
        }

        if (core.State == DataChannelState.Open)
        {
            channel.SetState(DataChannelState.Open);
            channel.RaiseOpened();
        }
    }

    private void CloseOnLoop(PeerDataChannel channel)
    {
        if (channel.Core is { } core)
        {
            channel.SetState(DataChannelState.Closing);
            core.Close(); // ChannelClosed follows once both directions are reset
        }
        else if (_pendingChannels.Remove(channel))
        {
            FinishChannel(channel);
        }
    }

    /// <summary>Called on DTLS connect: creates and starts the manager when both sides negotiated data channels.</summary>
    private void StartDataChannels(DtlsSrtpKeys keys)
    {
        var local = _offered ? _localOffer : _options.AnswerOptions;
        var remote = FindRemoteApplication();
        if (local is not { DataChannel: true } || remote is null || _dtls is null)
        {
            EndDataChannels();
            return;
        }

        _remoteMaxMessageSize = remote.MaxMessageSize;
        // The SCTP packet must fit one DTLS record of one datagram (RFC 8261 §5).
        var mtu = Math.Min(_dtls.SendLimit, MaxSctpPacket) & ~3;
        _dataChannels = new DataChannelManager(new DataChannelManagerOptions
        {
            IsDtlsClient = keys.IsDtlsClient,
            RemoteMaxMessageSize = remote.MaxMessageSize,
            Association = new SctpAssociationOptions
            {
                LocalPort = (ushort)local.SctpPort,
                RemotePort = (ushort)(remote.SctpPort is > 0 and <= ushort.MaxValue ? remote.SctpPort : 5000),
                Mtu = mtu,
                MaxMessageSize = local.MaxMessageSize,
                ReceiveWindow = Math.Max(2 * local.MaxMessageSize, new SctpAssociationOptions().ReceiveWindow),
            },
        });
        _sctpBuffer = new byte[MaxSctpPacket];
        _dataChannels.Start(Now);
        foreach (var channel in _pendingChannels)
        {
            OpenCore(channel);
        }

        _pendingChannels.Clear();
    }

    private WebRtcRemoteMedia? FindRemoteApplication()
    {
        if (RemoteDescription is null)
        {
            return null;
        }

        for (var i = 0; i < RemoteDescription.Media.Count; i++)
        {
            var m = RemoteDescription.Media[i];
            if (m.Accepted && m.Kind == "application" &&
                RemoteDescription.Sdp.Media[i].Protocol.Contains("SCTP", StringComparison.Ordinal))
            {
                return m;
            }
        }

        return null;
    }

    private void HandleDataChannelSend(in PeerSessionInput input)
    {
        var channel = input.Channel!;
        try
        {
            if (channel.Core is { State: DataChannelState.Open } core)
            {
                var data = input.Data.AsSpan(0, input.Length);
                if (input.IsText)
                {
                    core.SendText(Encoding.UTF8.GetString(data));
                }
                else
                {
                    core.Send(data);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            LogDataChannelSendFailed(_logger, LocalUfrag, channel.Label, e.Message);
        }
        finally
        {
            channel.Handed += input.Length;
            ArrayPool<byte>.Shared.Return(input.Data!);
        }
    }

    /// <summary>Runs the manager's due timers (called from the session timer).</summary>
    private void HandleDataChannelTimeout(TimeSpan now)
    {
        if (_dataChannels?.NextTimeout is { } due && due <= now)
        {
            _dataChannels.HandleTimeout(now);
        }
    }

    /// <summary>Sends what the manager produced and dispatches its events; then refreshes buffered amounts.</summary>
    private void DrainDataChannels()
    {
        var manager = _dataChannels;
        if (manager is null)
        {
            return;
        }

        var now = Now;
        var progress = true;
        while (progress)
        {
            progress = false;
            while (manager.TryPollEvent(out var ev))
            {
                progress = true;
                Dispatch(ev);
            }

            // The records of these SCTP packets leave together when the loop ends (a fragment of fMP4 is several
            // packets): one sendmmsg, each run of full-size records one GSO message, as the srtp sender's frames.
            var batch = t_dtlsBatch ??= new DatagramBatch(MaxBatchedRecords * MaxRecord, MaxBatchedRecords);
            _dtlsBatch = batch;
            _dtlsBatchThread = Environment.CurrentManagedThreadId;
            try
            {
                while (manager.TryPollTransmit(_sctpBuffer, now, out var length))
                {
                    progress = true;
                    if (_dtls?.Send(_sctpBuffer.AsSpan(0, length)) != true && _sctpPacketsRefused++ == 0)
                    {
                        // SCTP counts it sent and will retransmit it; the snapshot counts each. Once, the first time: it
                        // means a fault of ours (a packet past the record limit, or DTLS closing under it).
                        LogSctpPacketRefused(_logger, LocalUfrag, length, _dtls?.SendLimit ?? 0);
                    }
                }
            }
            finally
            {
                _dtlsBatch = null;
                FlushDtlsBatch(batch);
            }
        }

        foreach (var channel in _channels.Values)
        {
            RefreshBuffered(channel);
        }

    }

    // A record the DTLS transport sends: into the batch while this session drains its channels on this thread,
    // otherwise (a handshake flight, an alert) at once.
    private void TransmitDtls(ReadOnlySpan<byte> datagram)
    {
        Interlocked.Increment(ref _dtlsRecordsSent);
        var selected = _selected;
        if (_dtlsBatch is { } batch && _dtlsBatchThread == Environment.CurrentManagedThreadId)
        {
            if (!batch.HasRoomFor(datagram.Length))
            {
                FlushDtlsBatch(batch);
            }

            if (batch.HasRoomFor(datagram.Length))
            {
                datagram.CopyTo(batch.Free);
                batch.Add(datagram.Length);
                return;
            }
        }

        selected?.Path.Send(datagram, selected.Remote);
    }

    private void FlushDtlsBatch(DatagramBatch batch)
    {
        if (batch.Count > 0 && _selected is { } selected)
        {
            selected.Path.SendBatch(batch.Datagrams, batch.Lengths, selected.Remote);
        }

        batch.Clear();
    }

    private void Dispatch(in DataChannelEvent ev)
    {
        PeerDataChannel? channel = null;
        if (ev.Channel is { } core && !_channels.TryGetValue(core, out channel) &&
            ev.Kind != DataChannelEventKind.ChannelOpenedByPeer)
        {
            return;
        }

        switch (ev.Kind)
        {
            case DataChannelEventKind.ChannelOpenedByPeer:
                var created = new PeerDataChannel(this, ev.Channel!.Label, new DataChannelOptions
                {
                    Ordered = ev.Channel.Ordered,
                    MaxRetransmits = ev.Channel.MaxRetransmits,
                    MaxPacketLifeTime = ev.Channel.MaxPacketLifeTime,
                    Protocol = ev.Channel.Protocol,
                    Priority = ev.Channel.Priority,
                });
                created.SetState(DataChannelState.Open);
                channel = created;
                Attach(created, ev.Channel);
                DataChannelOpenedByPeer?.Invoke(this, created);
                break;
            case DataChannelEventKind.ChannelOpen:
                channel!.SetState(DataChannelState.Open);
                channel.RaiseOpened();
                break;
            case DataChannelEventKind.Message:
                channel!.RaiseMessage(new PeerDataChannelMessage(ev.Data ?? [], ev.IsText));
                break;
            case DataChannelEventKind.BufferedAmountLow:
                RefreshBuffered(channel!);
                channel!.RaiseBufferedAmountLow();
                break;
            case DataChannelEventKind.ChannelClosed:
                _channels.Remove(ev.Channel!);
                FinishChannel(channel!);
                break;
            case DataChannelEventKind.Disconnected:
                LogSctpEnded(_logger, LocalUfrag, ev.Reason);
                break;
            case DataChannelEventKind.ChannelRefused:
                LogPeerChannelRefused(_logger, LocalUfrag, ev.Reason);
                break;
            case DataChannelEventKind.Connected:
                break;
            default:
                throw new InvalidOperationException("Unknown data channel event.");
        }
    }

    private static void RefreshBuffered(PeerDataChannel channel)
    {
        var handed = channel.Handed;
        channel.Handed = 0;
        channel.UpdateBuffered(handed, channel.Core is { State: not DataChannelState.Closed } core ? core.BufferedAmount : 0);
    }

    private void FinishChannel(PeerDataChannel channel)
    {
        if (channel.State == DataChannelState.Closed)
        {
            return;
        }

        channel.SetState(DataChannelState.Closed);
        RefreshBuffered(channel);
        channel.RaiseClosed();
    }

    /// <summary>The session ends: abort the association (ABORT goes out while DTLS still runs) and close every channel.</summary>
    private void EndDataChannels()
    {
        if (_dataChannels is { } manager && _dtls is not null && _state == PeerSessionState.Connected)
        {
            manager.Association.Abort("session closed");
            DrainDataChannels();
        }

        foreach (var channel in _pendingChannels)
        {
            FinishChannel(channel);
        }

        _pendingChannels.Clear();
        foreach (var channel in _channels.Values)
        {
            FinishChannel(channel);
        }

        _channels.Clear();
        _dataChannels = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data channel '{Label}' of {Ufrag} refused: {Reason}")]
    private static partial void LogDataChannelRefused(ILogger logger, string ufrag, string label, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Data channel '{Label}' of {Ufrag} dropped a message: {Reason}")]
    private static partial void LogDataChannelSendFailed(ILogger logger, string ufrag, string label, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCTP packet of {Ufrag} ({Length} B) refused by its DTLS transport (record limit {Limit} B); counted as sctpPacketsRefused in listWebrtcPeers")]
    private static partial void LogSctpPacketRefused(ILogger logger, string ufrag, int length, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data channel of {Ufrag}: {Reason}")]
    private static partial void LogPeerChannelRefused(ILogger logger, string ufrag, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCTP association of {Ufrag} ended: {Reason}")]
    private static partial void LogSctpEnded(ILogger logger, string ufrag, string? reason);
}
