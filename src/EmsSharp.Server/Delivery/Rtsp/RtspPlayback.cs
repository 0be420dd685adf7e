using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Security;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>
/// The play side of one RTSP connection (RFC 2326 §A.1 server state machine: Init → Ready → Playing): DESCRIBE answers
/// the SDP of a live stream's tracks (after the read key check and the stream wait), SETUP picks RTP over the connection
/// (RTP/AVP/TCP interleaved, §10.12) or over UDP to the client's ports, PLAY starts at the hub's GOP-cache keyframe and
/// answers RTP-Info (§12.33). The media pump (<see cref="RtspPlayback"/>'s other half) reads a bounded hub reader that
/// drops to the next keyframe when the player lags, so a slow player never holds up the publisher. Request handling runs
/// on the connection's loop only; the pump on its own task.
/// </summary>
internal sealed partial class RtspPlayback(
    RtspPlaybackContext context, RtspConnectionWriter writer, Socket socket, Connection connection, string sessionId, Action stopConnection,
    TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private const string TrackPrefix = "trackID=";
    // Read once: the listing reads them after the connection's socket is disposed.
    private readonly EndPoint? _remote = socket.RemoteEndPoint;
    private readonly IPEndPoint? _local = socket.LocalEndPoint as IPEndPoint;
    private readonly List<RtspPlayTrack> _tracks = [];
    private readonly List<Task> _receivers = [];
    private readonly CancellationTokenSource _stop = new();
    private RtspPlayState _state = RtspPlayState.Init;
    private LiveStream? _stream;
    private string _baseUri = "";
    private LiveStreamReader? _reader;
    private MediaFrame _first;
    private OutboundStream? _output;
    private ViewerTrafficCounters? _counters;
    private Task _pump = Task.CompletedTask;
    private long _lastPeerActivity;

    /// <summary>The state of the session (RFC 2326 §A.1).</summary>
    public RtspPlayState State => _state;

    /// <summary>True once a SETUP made a session: its responses carry the Session header.</summary>
    public bool HasSession => _state is RtspPlayState.Ready or RtspPlayState.Playing;

    /// <summary>When the player last sent RTCP (or anything) to our UDP ports, as a <see cref="TimeProvider"/> timestamp; 0: never.</summary>
    public long LastPeerActivity => Volatile.Read(ref _lastPeerActivity);

    /// <summary>RFC 2326 §10.2: the SDP of the stream the URL names, or 401/403 (read key), 404 (not live in time), 415.</summary>
    public async Task<(RtspMessage Response, bool Close)> DescribeAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        if (_state != RtspPlayState.Init)
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        if (!TryParseUri(request.Uri!, out var name, out var query))
        {
            return (Reply(request, 400, "Bad Request"), true);
        }

        // Read keys (ours; EvoStream served anyone). RFC 2326 §11.3.4/§11.3.6 as in HTTP: 401 without a key, 403 wrong one.
        switch (StreamKeys.Check(context.Settings.ReadKeys, name, query))
        {
            case KeyCheck.Admitted:
                break;
            case KeyCheck.KeyMissing:
                LogRefusal(name, "a read key is required (?key=...)");
                return (Reply(request, 401, "Unauthorized").AddHeader("WWW-Authenticate", "Key realm=\"RTSP\""), false);
            case KeyCheck.WrongKey:
                LogRefusal(name, "wrong read key");
                return (Reply(request, 403, "Forbidden"), true);
            default: // KeyCheck.NoKeyForName
                LogRefusal(name, "no read key is configured for this stream");
                return (Reply(request, 403, "Forbidden"), true);
        }

        var stream = await context.Hub.WaitForStreamAsync(name, context.Settings.StreamWaitTimeout, cancellationToken).ConfigureAwait(false);
        // A stream that is live but has not told its codecs yet (a publisher between connect and its first sequence header):
        // wait for them within the stream wait, as the first frames follow at once.
        if (stream is null || !await stream.WaitForTracksAsync(context.Settings.StreamWaitTimeout, time, cancellationToken).ConfigureAwait(false))
        {
            LogNotFound(logger, _remote, Shorten(name));
            return (Reply(request, 404, "Not Found"), false);
        }

        var media = new List<RtspPlayMedia>(2);
        if (stream.Video is { } video)
        {
            if (RtspPlayMedia.TryCreateVideo(video, TrackPrefix + media.Count.ToString(CultureInfo.InvariantCulture), out var m, out var reason))
            {
                media.Add(m);
            }
            else
            {
                LogTrackSkipped(logger, stream.Name, reason);
            }
        }

        if (stream.Audio is { } audio)
        {
            if (RtspPlayMedia.TryCreateAudio(audio, TrackPrefix + media.Count.ToString(CultureInfo.InvariantCulture), out var m, out var reason))
            {
                media.Add(m);
            }
            else
            {
                LogTrackSkipped(logger, stream.Name, reason);
            }
        }

        if (media.Count == 0)
        {
            return (Reply(request, 415, "Unsupported Media Type"), true);
        }

        for (var i = 0; i < media.Count; i++)
        {
            _tracks.Add(new RtspPlayTrack(media[i], i));
        }

        _stream = stream;
        _baseUri = request.Uri!.TrimEnd('/') + "/";
        _state = RtspPlayState.Described;
        var local = _local?.Address ?? IPAddress.Loopback;
        var sdp = RtspPlaySdp.Write(media, (local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local).ToString(), stream.Name, stream.Id);
        var response = Reply(request, 200, "OK")
            .AddHeader("Content-Base", _baseUri) // RFC 2326 §12.11: the a=control names resolve against it
            .AddHeader("Content-Type", "application/sdp");
        response.Body = Encoding.UTF8.GetBytes(sdp);
        return (response, false);
    }

    /// <summary>
    /// RFC 2326 §10.4: one track's transport. <c>RTP/AVP/TCP;interleaved=a-b</c> sends on the connection,
    /// <c>RTP/AVP;unicast;client_port=a-b</c> from a fresh even/odd UDP port pair (answered as <c>server_port</c>);
    /// anything else is 461 Unsupported Transport.
    /// </summary>
    public (RtspMessage Response, bool Close) Setup(RtspMessage request)
    {
        if (_state is not (RtspPlayState.Described or RtspPlayState.Ready))
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        if (_state == RtspPlayState.Ready && !IsOurSession(request))
        {
            return (Reply(request, 454, "Session Not Found"), false);
        }

        var track = FindTrack(request.Uri!);
        if (track is null)
        {
            return (Reply(request, 404, "Not Found"), false);
        }

        if (track.IsSetUp)
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false); // a transport once chosen stays
        }

        if (!RtspTransport.TryParse(request.GetHeader("Transport"), out var transport) || transport.Mode is not (null or "play"))
        {
            return (Reply(request, 461, "Unsupported Transport"), false);
        }

        RtspTransport reply;
        if (transport.IsTcp)
        {
            // RFC 2326 §10.12: the client picks the channels; default to 2n, 2n+1.
            var (rtp, rtcp) = transport.Interleaved ?? (2 * track.Index, (2 * track.Index) + 1);
            if (rtp == rtcp || ChannelTaken(rtp) || ChannelTaken(rtcp))
            {
                return (Reply(request, 461, "Unsupported Transport"), false);
            }

            track.RtpChannel = rtp;
            track.RtcpChannel = rtcp;
            reply = new RtspTransport { IsTcp = true, Interleaved = (rtp, rtcp) };
        }
        else
        {
            if (transport.ClientPort is not { } ports || ports.Rtp == 0 || ports.Rtcp == 0
                || _remote is not IPEndPoint remote || _local is not IPEndPoint local)
            {
                return (Reply(request, 461, "Unsupported Transport"), false);
            }

            // Media goes only to the address of the RTSP connection (RFC 2326 §12.39 destination is not honoured), so a
            // SETUP cannot aim a stream at a third party.
            var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
            var pair = RtpUdpReceiver.BindPair(local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address);
            track.Udp = pair;
            track.Destination = (new IPEndPoint(address, ports.Rtp), new IPEndPoint(address, ports.Rtcp));
            var serverPorts = (((IPEndPoint)pair.Rtp.LocalEndPoint!).Port, ((IPEndPoint)pair.Rtcp.LocalEndPoint!).Port);
            reply = new RtspTransport { ClientPort = ports, ServerPort = serverPorts };
            _receivers.Add(ReceiveAsync(pair.Rtcp, _stop.Token));
            _receivers.Add(ReceiveAsync(pair.Rtp, _stop.Token));
        }

        _state = RtspPlayState.Ready;
        var ssrc = track.Ssrc.ToString("X8", CultureInfo.InvariantCulture);
        return (Reply(request, 200, "OK").AddHeader("Transport", reply + ";ssrc=" + ssrc), false);
    }

    /// <summary>
    /// RFC 2326 §10.5: starts the media at the hub's GOP-cache keyframe and answers where each track starts (RTP-Info,
    /// §12.33). The connection sends the answer, then calls <see cref="Start"/>; 503 when no frame comes in time.
    /// </summary>
    public async Task<(RtspMessage Response, bool Close)> PlayAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        if (_state == RtspPlayState.Playing && IsOurSession(request))
        {
            return (Reply(request, 200, "OK").AddHeader("Range", "npt=now-"), false); // already playing: nothing to move
        }

        if (_state != RtspPlayState.Ready)
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        if (!IsOurSession(request))
        {
            return (Reply(request, 454, "Session Not Found"), false);
        }

        var reader = _stream!.CreateReader(context.Settings.ReaderFrames);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(context.Settings.StreamWaitTimeout);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false) || !reader.TryRead(out _first))
                {
                    reader.Dispose();
                    return (Reply(request, 404, "Not Found"), true); // the stream ended
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reader.Dispose();
                return (Reply(request, 503, "Service Unavailable"), false);
            }
        }

        _reader = reader;
        _state = RtspPlayState.Playing;

        // RFC 2326 §12.33: per track the URL, the first sequence number and the RTP time of the play start. All tracks
        // name the first frame's instant, so the player lines audio up with video from the first packet.
        var info = new StringBuilder();
        foreach (var track in _tracks)
        {
            if (!track.IsSetUp)
            {
                continue;
            }

            var rtptime = RtspRtpWriter.RtpTime(_stream, track, _first.Pts, _first.Kind);
            info.Append(info.Length == 0 ? "" : ",").Append("url=").Append(_baseUri).Append(track.Media.Control)
                .Append(";seq=").Append(track.Sequence.ToString(CultureInfo.InvariantCulture))
                .Append(";rtptime=").Append(rtptime.ToString(CultureInfo.InvariantCulture));
        }

        return (Reply(request, 200, "OK").AddHeader("Range", "npt=now-").AddHeader("RTP-Info", info.ToString()), false);
    }

    /// <summary>
    /// Starts the media pump once the PLAY answer is out, and lists the player as an outbound stream (EvoStream's
    /// <c>ONP</c>, with outStreamCreated). Returns the output's uniqueId, or 0 without a registry.
    /// </summary>
    public long Start()
    {
        if (_state != RtspPlayState.Playing || _counters is not null)
        {
            return 0;
        }

        var counters = new ViewerTrafficCounters();
        _counters = counters;
        _output = context.Outputs?.Open(new OutboundStreamSpec(_stream!, OutboundStream.RtpTag, null, counters,
            () => (_local, _remote as IPEndPoint), Extra, stopConnection));
        LogPlayStarted(logger, _remote, _stream!.Name, _output?.Id ?? 0, Transports());
        _pump = Task.Run(() => PumpAsync(_stop.Token));
        return _output?.Id ?? 0;
    }

    /// <summary>RFC 2326 §12.37: a request naming another session (or none, after SETUP) is not ours.</summary>
    public bool IsOurSession(RtspMessage request)
    {
        var header = request.GetHeader("Session");
        if (header is null)
        {
            return false;
        }

        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? header : header[..semicolon]).Trim() == sessionId;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var track in _tracks)
        {
            track.Dispose(); // ends the UDP receivers
        }

        await Task.WhenAll(_receivers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_output is not null)
        {
            context.Outputs!.Close(_output, new JsonObject
            {
                ["droppedFrames"] = _reader?.DroppedFrames ?? 0,
                ["keyframeSkips"] = _reader?.Overflows ?? 0,
            });
        }

        if (_counters is not null)
        {
            LogPlayEnded(logger, _remote, _stream!.Name, _counters.Packets, _reader?.DroppedFrames ?? 0);
        }

        _reader?.Dispose();
        _stop.Dispose();
    }

    private RtspMessage Reply(RtspMessage request, int status, string reason)
    {
        var response = RtspMessage.CreateResponse(status, reason)
            .AddHeader("CSeq", request.GetHeader("CSeq") ?? "0")
            .AddHeader("Server", "EmsSharp");
        if (status < 300 && (HasSession || (request.Method == "SETUP" && status == 200)))
        {
            response.AddHeader("Session", sessionId + ";timeout=" + ((int)context.Settings.SessionTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }

    // The track a SETUP URL names: "<base>/trackID=<n>" however the client joined it to the base (some append to a URL
    // with a query, "rtsp://h/name?key=k/trackID=1"), or the base itself when there is one track.
    private RtspPlayTrack? FindTrack(string uri)
    {
        var at = uri.LastIndexOf(TrackPrefix, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return _tracks.Count == 1 && uri.TrimEnd('/') + "/" == _baseUri ? _tracks[0] : null;
        }

        var digits = uri.AsSpan(at + TrackPrefix.Length);
        var end = 0;
        while (end < digits.Length && end < 3 && char.IsAsciiDigit(digits[end]))
        {
            end++;
        }

        return int.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < _tracks.Count
            ? _tracks[index]
            : null;
    }

    private bool ChannelTaken(int channel)
    {
        foreach (var track in _tracks)
        {
            if (track.RtpChannel == channel || track.RtcpChannel == channel)
            {
                return true;
            }
        }

        return false;
    }

    // What the player sends to our UDP ports (RTCP receiver reports, NAT keep-alives) only proves it is there.
    private async Task ReceiveAsync(Socket udp, CancellationToken cancellationToken)
    {
        var buffer = new byte[1500];
        EndPoint any = new IPEndPoint(udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            while (true)
            {
                await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _lastPeerActivity, time.GetTimestamp());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // closed
        }
    }

    // rtsp://host:port/<name>[?query]: the path names the stream, the query carries the read key.
    private static bool TryParseUri(string uri, out string name, out string query)
    {
        name = query = "";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        name = Uri.UnescapeDataString(parsed.AbsolutePath.Trim('/'));
        query = parsed.Query.TrimStart('?');
        return StreamName.IsValid(name, out _);
    }

    private string Transports()
    {
        var tcp = false;
        var udp = false;
        foreach (var track in _tracks)
        {
            tcp |= track.RtpChannel >= 0;
            udp |= track.Udp is not null;
        }

        return tcp && udp ? "tcp+udp" : tcp ? "tcp" : "udp";
    }

    private JsonObject Extra() => new()
    {
        ["protocol"] = "rtsp",
        ["transport"] = Transports(),
        ["remoteIp"] = (_remote as IPEndPoint)?.Address.ToString() ?? string.Empty,
        ["remotePort"] = (_remote as IPEndPoint)?.Port ?? 0,
    };

    private void LogRefusal(string name, string reason)
    {
        if (context.Refusals.TryEnter(out var refusals))
        {
            LogRefused(logger, _remote, Shorten(name), reason, refusals);
        }
    }

    private static string Shorten(string name) => name.Length > 64 ? name[..64] + "..." : name;

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP player {Remote} plays {StreamName} as output {OutputId} over {Transport}")]
    private static partial void LogPlayStarted(ILogger logger, EndPoint? remote, string streamName, long outputId, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP player {Remote} of {StreamName} left ({Packets} packets sent, {Dropped} frames dropped)")]
    private static partial void LogPlayEnded(ILogger logger, EndPoint? remote, string streamName, long packets, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTSP player {Remote} refused for {StreamName}: {Reason} ({Refusals} refusals since the last such line)")]
    private static partial void LogRefused(ILogger logger, EndPoint? remote, string streamName, string reason, long refusals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTSP player {Remote}: stream not found: {StreamName}")]
    private static partial void LogNotFound(ILogger logger, EndPoint? remote, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTSP playback of {StreamName}: track skipped: {Reason}")]
    private static partial void LogTrackSkipped(ILogger logger, string streamName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP player {Remote} of {StreamName} stopped: {Reason}")]
    private static partial void LogPumpStopped(ILogger logger, EndPoint? remote, string streamName, string reason);
}
