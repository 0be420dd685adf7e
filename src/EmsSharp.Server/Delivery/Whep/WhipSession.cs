using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Ingest;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// One WHIP publisher (RFC 9725): a <see cref="PeerSession"/> that answers the publisher's offer receiving only, and
/// publishes what arrives into its <see cref="LiveStream"/> through an <see cref="RtpTrackIngest"/> per answered
/// payload type (H.264 RFC 6184, Opus RFC 7587, G.711), as an RTSP publisher's tracks are. Video goes through an
/// <see cref="RtpLossRecovery"/> first, as a browser's receiver does: packets in sequence order, generic NACKs
/// (RFC 4585 §6.2.1) for the missing ones, and a PLI (§6.3.1) for a keyframe when one is given up on. It also asks for a
/// keyframe until the stream has one, and sends receiver reports (RFC 3550 §6.4.2) once a second of media. All media and
/// RTCP work runs on the session's worker, which hands it the packets; the session has no timer of its own, so NACK
/// and give-up deadlines are checked on each packet it receives (audio every 20 ms, video more often). From its offer
/// until it closes it is listed as a connection (listConnections) carrying its stream, as an RTMP or RTSP publisher's
/// socket is.
/// </summary>
internal sealed partial class WhipSession : IRoomSession, IAsyncDisposable
{
    /// <summary>What the answer takes: H.264 (packetization-mode=1) video and Opus, PCMU or PCMA audio, received.</summary>
    private static readonly WebRtcOfferOptions Receiving = new() { Video = true, Audio = true, Receives = true };

    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    // A WebRTC packet fits a path MTU (RFC 8834 §5.2: 1200 bytes and more); larger datagrams are not media of ours.
    private const int MaxPacketLength = 2048;
    private const int MaxRtcpOut = 512;

    // Sequence numbers one generic NACK names at most: 100 entries of 4 bytes at worst, within MaxRtcpOut.
    private const int MaxNackedPerMessage = 100;

    private readonly WhipRoom _room;
    private readonly ILogger _logger;
    private readonly uint _ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    // By payload type: made once from the answer, before any media can come, and only read after.
    private IReadOnlyDictionary<int, Track> _tracks = new Dictionary<int, Track>();
    // The video tracks of _tracks (made and read as it is): walked on every packet, without an enumerator to allocate.
    private Track[] _videoTracks = [];
    private readonly byte[] _packet = new byte[MaxPacketLength];
    private readonly byte[] _rtcp = new byte[MaxRtcpOut];
    private PeerSession? _peer;
    private Connection? _connection;
    private SrtpContext? _local;
    private SrtpContext? _remote;
    private long _lastReport;
    private long? _lastKeyframeRequest;
    private long _connectedAt;
    private int _closed;

    public WhipSession(WhipRoom room, string id, LiveStream stream, IPAddress address, ILogger logger)
    {
        _room = room;
        PeerId = id;
        Stream = stream;
        Address = address;
        _logger = logger;
    }

    public string PeerId { get; }

    public LiveStream Stream { get; }

    public IPAddress Address { get; }

    public PeerSession? Peer => _peer;

    /// <summary>RTP packets dropped: not authenticated, not RTP, or of no answered payload type.</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>Generic NACK messages sent for the video's missing packets.</summary>
    public long NacksSent { get; private set; }

    /// <summary>Video packets that filled a gap after they were NACKed: the publisher's retransmissions.</summary>
    public long RetransmissionsReceived { get; private set; }

    /// <summary>Missing video packets given up on (each then asks for a keyframe).</summary>
    public long PacketsLost { get; private set; }

    private TimeProvider Time => _room.Resources.Time;

    /// <summary>
    /// Answers the publisher's offer (RFC 3264 §6): its sending H.264 section (and an Opus, PCMU or PCMA one) are
    /// received, anything else rejected. The outcome is the answer, or why there is none (a <see cref="ViewerRefusal"/>).
    /// </summary>
    public async Task<WhepOutcome> AnswerAsync(string offer)
    {
        var port = _room.Resources.Port;
        PeerSession peer;
        try
        {
            peer = port.Driver.CreateSession(new PeerSessionOptions
            {
                Certificate = port.Certificate,
                LoopbackOnly = port.LoopbackOnly,
                AnswerOptions = Receiving,
            });
        }
        catch (SocketException e)
        {
            return new WhepOutcome(false, "the server's WebRTC UDP port is not available: " + e.Message, ViewerRefusal.Unavailable);
        }

        _peer = peer;
        _connection = _room.Resources.Connections.Open(PeerConnectionListing.Create(port, () => _peer, dataChannels: false));
        _connection.AttachStream(Stream.Id);
        peer.StateChanged += OnStateChanged;
        peer.DtlsConnected += OnDtlsConnected;
        peer.RtpOrRtcpReceived += OnRtpOrRtcp;
        try
        {
            await peer.SetRemoteDescriptionAsync(offer).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ObjectDisposedException)
        {
            return new WhepOutcome(false, "the offer was not usable: " + e.Message, ViewerRefusal.NotAcceptable);
        }

        if (!WebRtcSdpBuilder.CanAnswer(peer.RemoteDescription!, Receiving))
            return NoVideo();
        string answer;
        try
        {
            answer = await peer.CreateAnswerAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return new WhepOutcome(false, "the session closed before it answered", ViewerRefusal.Failed);
        }

        if (!AddTracks(answer))
            return NoVideo();
        LogAnswered(_logger, PeerId, Stream.Name);
        return new WhepOutcome(true, answer, null);
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _closed, 1);
        if (_peer is { } peer)
            await peer.DisposeAsync().ConfigureAwait(false); // the worker calls none of this session's handlers after it
        _connection?.Dispose();
        foreach (var track in Volatile.Read(ref _videoTracks))
            track.Recovery?.Dispose();
        Stream.Dispose();
        _local?.Dispose();
        _remote?.Dispose();
    }

    private WhepOutcome NoVideo() => new(false,
        "the offer sends no H.264 video the server takes: it needs a sendonly (or sendrecv) video section with H.264 " +
        "packetization-mode=1, and optionally Opus, PCMU or PCMA audio", ViewerRefusal.NotAcceptable);

    // The answer has one payload type per accepted section: each becomes a track of the stream. Video is required.
    private bool AddTracks(string answer)
    {
        if (!WebRtcRemoteDescription.TryParse(answer, out var sent))
            return false;
        var tracks = new Dictionary<int, Track>();
        foreach (var media in sent!.Media)
        {
            if (!media.Accepted || media.PayloadTypes.Count == 0 || !media.RtpMaps.TryGetValue(media.PayloadTypes[0], out var map))
                continue;

            // a=rtpmap:<pt> <name>/<clock rate>[/<channels>] (RFC 8866 §6.6)
            var parts = map.Split('/');
            var clockRate = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate) ? rate : 0;
            var channels = parts.Length > 2 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 1;
            var description = new RtspMediaDescription(media.Kind, media.PayloadTypes[0], parts[0].ToUpperInvariant(), clockRate, channels,
                new Dictionary<string, string>(), null);
            if (!RtpTrackIngest.TryCreate(description, out var ingest, out _))
                continue;
            ingest.Attach(Stream);
            tracks[description.PayloadType] = new Track(ingest, ingest.IsVideo ? new RtpLossRecovery() : null);
        }

        Volatile.Write(ref _videoTracks, [.. tracks.Values.Where(static t => t.Ingest.IsVideo)]);
        Volatile.Write(ref _tracks, tracks); // read on the session's worker
        return _videoTracks.Length > 0;
    }

    // On the session's worker: DTLS gave the keys; SRTP from now on (RFC 5764 §4.2).
    private void OnDtlsConnected(PeerSession peer, DtlsSrtpKeys keys)
    {
        if (!SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out var local, out var remote))
        {
            LogNoSrtp(_logger, PeerId, keys.ProfileId);
            _room.Remove(this);
            return;
        }

        _local = local;
        _remote = remote;
        _lastReport = Time.GetTimestamp();
        _connectedAt = _lastReport;
        LogPublishing(_logger, PeerId, Stream.Name, Stream.Id);
    }

    // On the session's worker: RTCP (RFC 5761 §4: the second byte says which) gives sender reports; RTP goes to the
    // track of its payload type, then a keyframe request and a report go out when due.
    private void OnRtpOrRtcp(PeerSession peer, ReadOnlySpan<byte> packet)
    {
        if (_remote is not { } remote)
            return;
        _connection!.AddReceived(packet.Length);
        if (packet.Length > MaxPacketLength)
        {
            DroppedPackets++;
            return;
        }

        packet.CopyTo(_packet);
        if (RtcpPacketType.IsRtcp(packet))
        {
            if (remote.TryUnprotectRtcp(_packet, packet.Length, out var rtcpLength)
                && RtcpCompoundPacket.TryRead(_packet.AsSpan(0, rtcpLength), out var compound, out _))
            {
                foreach (var item in compound.Packets)
                {
                    if (item is RtcpSenderReport report && FindTrack(report.Ssrc) is { } reported)
                        reported.Stats!.OnSenderReport(report.NtpTimestamp, Time.GetTimestamp());
                }
            }

            RecoverAndReport(peer, Time.GetTimestamp());
            return;
        }

        if (!remote.TryUnprotectRtp(_packet, packet.Length, out var length)
            || !RtpHeader.TryRead(_packet.AsSpan(0, length), out var header, out _)
            || !Volatile.Read(ref _tracks).TryGetValue(header.PayloadType, out var track))
        {
            DroppedPackets++;
            return;
        }

        track.Stats ??= new RtpReceptionStats(header.Ssrc);
        if (track.Stats.Ssrc != header.Ssrc)
        {
            DroppedPackets++; // one source per track: a second one would interleave two encoders' frames
            return;
        }

        track.Stats.OnPacket(header.SequenceNumber);
        var now = Time.GetTimestamp();
        if (track.Recovery is { } recovery)
            recovery.Push(_packet.AsSpan(0, length), header.SequenceNumber, Time.GetElapsedTime(_connectedAt, now));
        else
            track.Ingest.HandleRtp(_packet.AsSpan(0, length));
        RecoverAndReport(peer, now);
    }

    // The video's loss recovery as time passed (its packets in order to the ingest, NACKs and keyframe requests when
    // due), then a receiver report when one is due.
    private void RecoverAndReport(PeerSession peer, long now)
    {
        foreach (var track in Volatile.Read(ref _videoTracks))
        {
            if (track.Recovery is { } recovery && track.Stats is { } stats)
                Recover(peer, track, recovery, stats.Ssrc, now);
        }

        if (Time.GetElapsedTime(_lastReport, now) < ReportInterval)
            return;
        _lastReport = now;
        var blocks = new List<RtcpReportBlock>();
        foreach (var item in Volatile.Read(ref _tracks).Values)
        {
            if (item.Stats is { } stats)
                blocks.Add(stats.Report(Time, now));
        }

        Send(peer, new RtcpReceiverReport { Ssrc = _ssrc, ReportBlocks = [.. blocks] });
    }

    private void Recover(PeerSession peer, Track track, RtpLossRecovery recovery, uint ssrc, long now)
    {
        var elapsed = Time.GetElapsedTime(_connectedAt, now);
        recovery.HandleTimeout(elapsed);
        while (recovery.TryPollPacket(out var released))
            track.Ingest.HandleRtp(released.Span);

        Span<ushort> lost = stackalloc ushort[MaxNackedPerMessage];
        var count = recovery.PollNacks(lost, elapsed);
        if (count > 0)
        {
            Send(peer, RtcpGenericNack.FromSequenceNumbers(_ssrc, ssrc, lost[..count]));
            NacksSent++;
            EmsMetrics.AddWhipRecovery(nacks: 1, retransmissions: 0, packetsLost: 0);
        }

        var recovered = recovery.RecoveredPackets - RetransmissionsReceived;
        var given = recovery.LostPackets - PacketsLost;
        if (recovered + given > 0)
        {
            RetransmissionsReceived = recovery.RecoveredPackets;
            PacketsLost = recovery.LostPackets;
            EmsMetrics.AddWhipRecovery(nacks: 0, recovered, given);
        }

        // RFC 4585 §6.3.1: a picture loss indication asks the encoder for a keyframe. Until the stream has its first
        // (its decoder configuration comes with it) one a second, as the PLI or its keyframe may be lost; after a packet
        // was given up on (the frames from it on cannot be decoded) at once, unless one went out within a round trip.
        track.KeyframeWanted |= recovery.TakeKeyframeRequest();
        var first = Stream.Video is null;
        var spacing = first ? ReportInterval : recovery.RoundTrip;
        if ((first || track.KeyframeWanted) && (_lastKeyframeRequest is not { } last || Time.GetElapsedTime(last, now) >= spacing))
        {
            _lastKeyframeRequest = now;
            track.KeyframeWanted = false;
            Send(peer, new RtcpPictureLossIndication { SenderSsrc = _ssrc, MediaSsrc = ssrc });
        }
    }

    // A reduced-size RTCP packet (RFC 5506, a=rtcp-rsize in the answer), SRTCP-protected (RFC 3711 §3.4).
    private void Send(PeerSession peer, RtcpPacket packet)
    {
        if (_local is { } local && packet.TryWrite(_rtcp, out var written) && local.TryProtectRtcp(_rtcp, written, out var length))
        {
            peer.SendRtpOrRtcp(_rtcp.AsSpan(0, length));
            _connection!.AddSent(length);
        }
    }

    private Track? FindTrack(uint ssrc)
    {
        foreach (var track in Volatile.Read(ref _tracks).Values)
        {
            if (track.Stats?.Ssrc == ssrc)
                return track;
        }

        return null;
    }

    // ICE failure or consent expiry (RFC 7675 §5.1) ends the publish as a closed RTMP connection does.
    private void OnStateChanged(PeerSession peer, PeerSessionState state)
    {
        LogState(_logger, PeerId, state);
        if (state is PeerSessionState.Failed || (state is PeerSessionState.Closed && Volatile.Read(ref _closed) == 0))
            _room.Remove(this);
    }

    /// <summary>
    /// One received track: its ingest, its loss recovery (video), its source's reception statistics once a packet came,
    /// and whether a keyframe request waits to go out.
    /// </summary>
    private sealed class Track(RtpTrackIngest ingest, RtpLossRecovery? recovery)
    {
        public RtpTrackIngest Ingest { get; } = ingest;

        public RtpLossRecovery? Recovery { get; } = recovery;

        public RtpReceptionStats? Stats { get; set; }

        public bool KeyframeWanted { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WHIP session {Id}: answered the offer for stream {Stream}")]
    private static partial void LogAnswered(ILogger logger, string id, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "WHIP session {Id}: publishing stream {Stream} (id {StreamId})")]
    private static partial void LogPublishing(ILogger logger, string id, string stream, long streamId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WHIP session {Id}: {State}")]
    private static partial void LogState(ILogger logger, string id, PeerSessionState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WHIP session {Id}: unknown SRTP profile {Profile}")]
    private static partial void LogNoSrtp(ILogger logger, string id, ushort profile);
}
