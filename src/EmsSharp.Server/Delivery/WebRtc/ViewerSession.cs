using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Events;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// One viewer in a room (PROTOCOL.md §3.3): waits for its stream, creates the peer connection on the shared
/// port, offers what its <see cref="IViewerMediaSender"/> sends, trickles candidates both ways through the room,
/// and hands the connected session to the sender. A viewer that offers itself (a WHEP player, directly or through the
/// ERS) gets an answer instead, with every candidate known by then inline. Ends on <c>remove</c>, ICE failure,
/// consent expiry or close.
/// </summary>
internal sealed partial class ViewerSession : IRoomSession, IAsyncDisposable
{
    /// <summary>How long the offer waits for the port's server-reflexive candidate (one STUN round trip is plenty).</summary>
    private static readonly TimeSpan ReflexiveWait = TimeSpan.FromSeconds(1);

    /// <summary>How long a viewer that offers has to send its offer (a WHEP player sends it with its request).</summary>
    private static readonly TimeSpan OfferWait = TimeSpan.FromSeconds(10);

    private readonly IViewerRoom _room;
    private readonly TaskCompletionSource<string>? _offer;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private PeerSession? _peer;
    private IViewerMediaSender? _sender;
    private OutboundStream? _output;
    private Connection? _connection;
    private Task _start = Task.CompletedTask;
    private int _closed;
    private int _counted; // 1 while this session holds its place in Resources.Viewers (set under _gate)

    public ViewerSession(IViewerRoom room, string peerId, string streamName, string transport, bool offers, ILogger logger)
    {
        _room = room;
        _offer = offers ? new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        PeerId = peerId;
        StreamName = streamName;
        Transport = transport;
        _logger = logger;
        SessionId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        CreatedAt = room.Resources.Time.GetUtcNow();
    }

    public string PeerId { get; }

    public string StreamName { get; }

    public string Transport { get; }

    /// <summary>The <c>sid</c> of this session's signalling messages.</summary>
    public string SessionId { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>waitingForStream, negotiating, then the peer session's state.</summary>
    public string State => _peer?.State.ToString() ?? (_closed != 0 ? "Closed" : "WaitingForStream");

    public PeerSession? Peer => _peer;

    public ViewerTrafficCounters? Counters => _sender?.Counters;

    /// <summary>The selected candidate pair now (nulls before ICE connected).</summary>
    public ViewerRoute Route => _peer is { } peer
        ? new ViewerRoute(peer.SelectedCandidateType is { } type ? IceCandidate.TypeName(type) : null, peer.SelectedPathKind)
        : default;

    /// <summary>
    /// Takes the session's place under <see cref="WebRtcOptions.MaxViewers"/> now, in the order the viewers came, and starts
    /// in the background: stream lookup, then the offer, or the answer to the viewer's offer. A session that exists counts
    /// from here, so a burst cannot pass the cap; the one beyond it is refused at once (one log line, in FailAsync) and
    /// nothing else changes.
    /// </summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_closed != 0)
                return; // closed before it started: it takes no place
            if (!Resources.Viewers.TryTake())
            {
                _start = Task.Run(() => FailAsync($"the server serves as many WebRTC viewers as it takes (WebRtc:MaxViewers = {Resources.Viewers.Max})",
                    ViewerRefusal.Unavailable));
                return;
            }

            _counted = 1;
            _start = Task.Run(StartAsync);
        }
    }

    /// <summary>A relayed message from this viewer: its answer (or its offer, when it offers) or a candidate.</summary>
    public void HandleMessage(string type, JsonElement payload)
    {
        if (type == "offer")
        {
            if (_offer is not null && SdpOf(payload) is { } offer)
                _offer.TrySetResult(offer);
            return;
        }

        var peer = _peer;
        if (peer is null)
            return;
        switch (type)
        {
            case "answer":
                if (_offer is null && SdpOf(payload) is { } answer)
                    _ = ApplyAnswerAsync(peer, answer);
                break;
            case "candidate":
                if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("candidate", out var c))
                {
                    var text = c.ValueKind switch
                    {
                        JsonValueKind.Object when c.TryGetProperty("candidate", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
                        JsonValueKind.String => c.GetString(),
                        _ => null,
                    };
                    if (!string.IsNullOrEmpty(text))
                        peer.AddRemoteCandidate(text);
                }

                break;
            default:
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
            _closed = 1; // a Start after this does nothing; one before it set _start
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _start.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // closed while starting
        }

        PeerSession? peer;
        IViewerMediaSender? sender;
        lock (_gate)
        {
            peer = _peer;
            sender = _sender;
        }

        if (sender is not null)
            await sender.DisposeAsync().ConfigureAwait(false);
        OutboundStream? output;
        Connection? connection;
        lock (_gate)
        {
            output = _output;
            connection = _connection;
        }

        if (output is not null)
            Resources.Outputs.Close(output);
        connection?.Dispose();
        if (peer is not null)
            await peer.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _counted, 0) == 1)
            Resources.Viewers.Release();
        _stop.Dispose();
    }

    private async Task StartAsync()
    {
        var token = _stop.Token;
        var sender = await CreateSenderAsync(token).ConfigureAwait(false);
        if (sender is null)
            return;

        string? offer = null;
        if (_offer is not null)
        {
            try
            {
                offer = await _offer.Task.WaitAsync(OfferWait, Resources.Time, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await sender.DisposeAsync().ConfigureAwait(false);
                await FailAsync($"no offer came within {OfferWait.TotalSeconds:0} s", ViewerRefusal.Failed).ConfigureAwait(false);
                return;
            }
        }

        PeerSession peer;
        try
        {
            peer = Resources.Port.Driver.CreateSession(new PeerSessionOptions
            {
                Certificate = Resources.Port.Certificate,
                LoopbackOnly = Resources.Port.LoopbackOnly,
                AnswerOptions = sender.OfferOptions,
            });
        }
        catch (SocketException e)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
            await FailAsync("the server's WebRTC UDP port is not available: " + e.Message, ViewerRefusal.Unavailable).ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            _sender = sender;
            _peer = peer;
            // Listed as a connection from its offer until it closes (DisposeAsync removes it).
            _connection = Resources.Connections.Open(PeerConnectionListing.Create(Resources.Port, () => _peer, Transport == "fmp4") with
            {
                Traffic = () => (0, _sender?.Counters.Bytes ?? 0),
            });
        }

        sender.Ended += OnMediaEnded;
        sender.Streaming += OnStreaming;
        peer.StateChanged += OnStateChanged;
        peer.DtlsConnected += OnDtlsConnected;
        peer.LocalCandidate += OnLocalCandidate;
        // Behind a NAT the browser can only reach this server at the address a STUN server sees (RFC 8445 §5.1.1.2),
        // and a TURN relay only forwards from an address the browser permitted, which it learns from that candidate.
        // A candidate trickled before the offer is lost (the browser has no peer connection yet), so the port's
        // discovery gets a short wait to make it inline; a later answer trickles after the offer.
        var discoveries = new List<Task<ServerReflexiveResult>>();
        foreach (var server in await ResolveStunServersAsync(token).ConfigureAwait(false))
            discoveries.Add(Resources.Port.Driver.GetServerReflexiveAsync(server));
        try
        {
            await Task.WhenAll(discoveries).WaitAsync(ReflexiveWait, Resources.Time, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // trickled below when it comes
        }

        var late = new List<Task<ServerReflexiveResult>>();
        var udpAnswered = false;
        foreach (var discovery in discoveries)
        {
            if (!discovery.IsCompleted)
            {
                late.Add(discovery);
                continue;
            }

            udpAnswered |= discovery.Result.Answered;
            if (discovery.Result.Candidate is { } candidate)
                peer.AddLocalCandidate(candidate);
        }

        // No STUN server answered over UDP: this network may let only TCP out, so the ERS's relay over TCP (or TLS)
        // carries the session (RFC 8656 §3.1). The relay is the room's, allocated once, its candidate offered inline.
        if (!udpAnswered && await _room.GetRelayAsync().WaitAsync(token).ConfigureAwait(false) is { } relay)
            relay.Attach(peer);

        if (offer is null)
        {
            var sdp = await peer.CreateOfferAsync(sender.OfferOptions).ConfigureAwait(false);
            LogOffer(_logger, PeerId, StreamName, Transport);
            await SendAsync("offer", new JsonObject { ["type"] = "offer", ["sdp"] = sdp }, token).ConfigureAwait(false);
        }
        else if (!await AnswerAsync(peer, sender.OfferOptions, offer, token).ConfigureAwait(false))
        {
            return;
        }

        foreach (var discovery in late)
        {
            if ((await discovery.WaitAsync(token).ConfigureAwait(false)).Candidate is { } candidate)
                peer.AddLocalCandidate(candidate);
        }
    }

    /// <summary>
    /// Answers the viewer's offer (RFC 3264 §6) with what <paramref name="sending"/> says the stream has, every
    /// candidate known so far inline (a WHEP player takes no trickle from the server). False when it could not.
    /// </summary>
    private async Task<bool> AnswerAsync(PeerSession peer, WebRtcOfferOptions sending, string offer, CancellationToken token)
    {
        try
        {
            await peer.SetRemoteDescriptionAsync(offer).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            await FailAsync("the offer was not usable: " + e.Message, ViewerRefusal.NotAcceptable).ConfigureAwait(false);
            return false;
        }

        if (!WebRtcSdpBuilder.CanAnswer(peer.RemoteDescription!, sending))
        {
            var has = sending.Audio ? "H.264 video and Opus audio" : "H.264 video";
            await FailAsync($"the offer asks for nothing stream \"{StreamName}\" can send: it has {has}, and the offer needs a receiving " +
                "H.264 (packetization-mode=1) video or Opus/PCMU/PCMA audio section", ViewerRefusal.NotAcceptable).ConfigureAwait(false);
            return false;
        }

        var answer = await peer.CreateAnswerAsync().ConfigureAwait(false);
        LogAnswer(_logger, PeerId, StreamName, Transport);
        await SendAsync("answer", new JsonObject { ["type"] = "answer", ["sdp"] = answer }, token).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The media sender for the joined transport: srtp needs the stream now (its tracks shape the offer); fmp4
    /// offers data channels at once and looks the stream up when the browser's fmp4Request names it (§4.1). Either
    /// name may be a stream alias (<see cref="StreamAliases"/>).
    /// </summary>
    private async Task<IViewerMediaSender?> CreateSenderAsync(CancellationToken token)
    {
        switch (Transport)
        {
            case "fmp4":
                return new Fmp4DataChannelSender(Resources.Fmp4Sources, Resources.Aliases, PeerId, Resources.Options.StreamWaitTimeout, Resources.Time, _logger);
            case "srtp":
                // The joined name may be an alias (a one-shot one is used up here, by this viewer).
                var name = Resources.Aliases.Resolve(StreamName, "WebRTC viewer " + PeerId);
                var stream = await Resources.Hub.WaitForStreamAsync(name, Resources.Options.StreamWaitTimeout, token).ConfigureAwait(false);
                if (stream is not null)
                    return new SrtpMediaSender(stream, Resources.RtpSources, Resources.Transcoders, PeerId, Resources.Time, _logger);
                await FailAsync($"stream \"{StreamName}\" was not found on the server", ViewerRefusal.NotFound).ConfigureAwait(false);
                return null;
            default:
                await FailAsync($"unknown transport \"{Transport}\": use fmp4 or srtp", ViewerRefusal.NotAcceptable).ConfigureAwait(false);
                return null;
        }
    }

    private async Task ApplyAnswerAsync(PeerSession peer, string sdp)
    {
        try
        {
            await peer.SetRemoteDescriptionAsync(sdp).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ObjectDisposedException)
        {
            await FailAsync("the browser's answer was not usable: " + e.Message, ViewerRefusal.NotAcceptable).ConfigureAwait(false);
        }
    }

    private void OnLocalCandidate(PeerSession peer, string candidate)
    {
        var payload = new JsonObject
        {
            ["candidate"] = new JsonObject { ["candidate"] = candidate, ["sdpMid"] = "0", ["sdpMLineIndex"] = 0 },
        };
        _ = SendAsync("candidate", payload, CancellationToken.None);
    }

    private void OnMediaEnded(IViewerMediaSender sender, string description) => _ = EndAsync(description, null);

    // The viewer is an outbound stream of the server from now until it closes: ONFMP4 over data channels (what EvoStream's
    // WebRTC sent), ONP for native media (SRTP is RTP), connectionType 9 (webrtc).
    private void OnStreaming(IViewerMediaSender sender, LiveStream stream)
    {
        var spec = new OutboundStreamSpec(stream, Transport == "srtp" ? OutboundStream.RtpTag : OutboundStream.Fmp4Tag,
            OperationType.WebRtc, sender.Counters, Addresses, Extra, () => _room.Remove(this), () => Route);
        lock (_gate)
        {
            if (Volatile.Read(ref _closed) == 0 && _output is null)
            {
                _output = Resources.Outputs.Open(spec);
                _connection?.AttachStream(_output.Id);
            }
        }
    }

    private (IPEndPoint? Near, IPEndPoint? Far) Addresses() => PeerConnectionListing.Addresses(Resources.Port, _peer);

    private JsonObject Extra() => new()
    {
        ["peerId"] = PeerId,
        ["roomId"] = _room.RoomId,
        ["transport"] = Transport,
        ["configId"] = _room.ConfigId,
    };

    private void OnDtlsConnected(PeerSession peer, DtlsSrtpKeys keys) => _sender?.Start(peer, keys);

    private void OnStateChanged(PeerSession peer, PeerSessionState state)
    {
        LogState(_logger, PeerId, state);
        switch (state)
        {
            case PeerSessionState.Connected:
                _room.Publish(EventTypes.WebRtcPeerConnected, this, null);
                break;
            case PeerSessionState.Failed:
                _room.Publish(EventTypes.WebRtcPeerError, this, peer.FailureReason ?? "peer connection failed");
                TellOfferingPeer(peer.FailureReason ?? "peer connection failed");
                _room.Remove(this);
                break;
            case PeerSessionState.Closed:
                if (Volatile.Read(ref _closed) == 0)
                {
                    TellOfferingPeer("the peer connection closed");
                    _room.Remove(this);
                }

                break;
            case PeerSessionState.New:
            case PeerSessionState.Checking:
            case PeerSessionState.DtlsHandshaking:
                break;
            default:
                throw new InvalidOperationException("Unknown peer state.");
        }
    }

    // A viewer that offered (a WHEP player) has no connection of its own to the room: the ERS that relays it learns the
    // session ended only from us, and frees its place (a browser's ERS socket closes with its page).
    private void TellOfferingPeer(string description)
    {
        if (_offer is not null)
            _ = SendAsync("connectivityError", new JsonObject { ["status"] = "FAIL", ["description"] = description, ["reason"] = ViewerRefusal.Ended },
                CancellationToken.None);
    }

    /// <summary>
    /// Tells the viewer (a <c>connectivityError</c> with a plain description, and ours: <c>reason</c>, what kind of refusal
    /// it is, which a WHEP endpoint answers with its HTTP status), logs, raises the event, closes.
    /// </summary>
    private Task FailAsync(string description, string reason) => EndAsync(description, reason);

    // reason null: the media ended (the stream closed), no error.
    private async Task EndAsync(string description, string? reason)
    {
        LogFailed(_logger, PeerId, StreamName, description);
        if (reason is not null)
            _room.Publish(EventTypes.WebRtcPeerError, this, description);
        var payload = new JsonObject { ["status"] = "FAIL", ["description"] = description, ["reason"] = reason ?? ViewerRefusal.Ended };
        await SendAsync("connectivityError", payload, CancellationToken.None).ConfigureAwait(false);
        _room.Remove(this);
    }

    private ViewerResources Resources => _room.Resources;

    private Task<bool> SendAsync(string type, JsonObject payload, CancellationToken token) => _room.SendAsync(this, type, payload, token);

    private static string? SdpOf(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("sdp", out var sdp) && sdp.ValueKind == JsonValueKind.String
            ? sdp.GetString()
            : null;

    // stunservers entries are {"url":"stun:host[:port]"} (or "urls"); RFC 7064 §3.1: the default port is 3478. A TURN
    // server over UDP answers Binding requests too (RFC 8656 §3), so turnservers' udp entries serve as well.
    private async Task<List<IPEndPoint>> ResolveStunServersAsync(CancellationToken token)
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in _room.IceServers)
        {
            if (entry.ValueKind != JsonValueKind.Object)
                continue;
            JsonElement url;
            if (!entry.TryGetProperty("url", out url) && !entry.TryGetProperty("urls", out url))
                continue;
            if (url.ValueKind != JsonValueKind.String || !IceServerUrl.TryParseStun(url.GetString()!, out var host, out var port))
                continue;
            try
            {
                foreach (var address in await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, token).ConfigureAwait(false))
                {
                    var server = new IPEndPoint(address, port);
                    if (!result.Contains(server))
                        result.Add(server);
                    break;
                }
            }
            catch (SocketException e)
            {
                LogStunUnresolved(_logger, host, e.Message);
            }
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer {PeerId}: offered stream {Stream} over {Transport}")]
    private static partial void LogOffer(ILogger logger, string peerId, string stream, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer {PeerId}: answered its offer for stream {Stream} over {Transport}")]
    private static partial void LogAnswer(ILogger logger, string peerId, string stream, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer {PeerId}: {State}")]
    private static partial void LogState(ILogger logger, string peerId, PeerSessionState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Viewer {PeerId} (stream {Stream}): {Description}")]
    private static partial void LogFailed(ILogger logger, string peerId, string stream, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN server {Host} not resolved: {Reason}")]
    private static partial void LogStunUnresolved(ILogger logger, string host, string reason);
}
