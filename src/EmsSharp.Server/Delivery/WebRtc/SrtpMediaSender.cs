using System.Security.Cryptography;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The srtp transport (PROTOCOL.md §4.3): one viewer's H.264 track from the stream's shared
/// <see cref="RtpStreamSource"/>, which packetizes once per stream per RFC 6184 (STAP-A SPS/PPS before each
/// keyframe, FU-A); this viewer adds its own RTP header, SRTP-protects and sends on its selected pair; audio as
/// Opus (RFC 7587) from the stream's shared <see cref="AacOpusTranscoder"/>, or Opus/PCMU/PCMA passed through,
/// with its own track sender and SRTP context (SRTP state is per SSRC, RFC 3711 §3.2.3).
/// The viewer has no task of its own: it is an <see cref="IMediaPump"/> its session's worker runs when the stream's
/// rings have new units (one wake-up per worker per unit, whatever the number of its viewers), on the same loop that
/// hands it the viewer's RTCP, so the <see cref="RtpTrackSender"/>s need no lock and NACKs are answered at once. An
/// access unit's packets go out in one batch (<see cref="PeerSession.SendRtpOrRtcpBatch"/>: one system call on Linux).
/// A slow viewer skips to the next keyframe. The time from a frame's arrival in the hub to its last packet's send goes
/// into <see cref="DeliveryStats.Srtp"/>.
/// </summary>
internal sealed partial class SrtpMediaSender : IViewerMediaSender, IMediaPump
{
    private const int MaxRtcpLength = 1500;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    // Packets of one video batch: a keyframe of the capacity stream (20 kB, ~20 packets) and most up to 150 kB go out
    // in one call.
    private const int MaxBatchedPackets = 128;

    // The batch a video unit is built into, one per thread rather than per viewer: a unit is built and sent without
    // yielding, so the threads sending (a few) bound the memory, not the viewers (thousands, ~190 kB each otherwise).
    [ThreadStatic]
    private static DatagramBatch? t_videoBatch;

    // Likewise the buffer of a single packet (an audio packet, a retransmission, a report) and of inbound RTCP.
    [ThreadStatic]
    private static byte[]? t_packet;

    [ThreadStatic]
    private static byte[]? t_rtcp;

    private readonly LiveStream _stream;
    private readonly RtpSourceManager _sources;
    private readonly AudioTranscoders _transcoders;
    private readonly AacOpusTranscoder? _transcoder;
    private readonly MediaCodec? _audioCodec;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _peerId;
    private PeerSession? _session;
    private SrtpContext? _local;
    private SrtpContext? _remote;
    private SrtpContext? _audioLocal;
    private RtpTrackSender? _video;
    private RtpTrackSender? _audio;
    private RtpSubscription? _subscription;
    private StreamRingReader<AudioPacket>? _transcoded;
    private TimeSpan _lastVideoReport;
    private TimeSpan _lastAudioReport;
    private bool _ended;

    public SrtpMediaSender(
        LiveStream stream, RtpSourceManager sources, AudioTranscoders transcoders, string peerId, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        _sources = sources;
        _transcoders = transcoders;
        switch (stream.Audio?.Codec)
        {
            case MediaCodec.Opus or MediaCodec.Pcmu or MediaCodec.Pcma:
                _audioCodec = stream.Audio.Codec;
                break;
            case MediaCodec.Aac:
                _transcoder = transcoders.Acquire(stream);
                _audioCodec = _transcoder is null ? null : MediaCodec.Opus;
                break;
            default:
                break;
        }

        _peerId = peerId;
        _time = time;
        _logger = logger;
        OfferOptions = new WebRtcOfferOptions
        {
            Video = true,
            Audio = _audioCodec is not null,
            AudioEncoding = _audioCodec switch
            {
                MediaCodec.Pcmu => "PCMU/8000",
                MediaCodec.Pcma => "PCMA/8000",
                _ => "opus/48000",
            },
            VideoSsrc = RandomSsrc(),
            AudioSsrc = RandomSsrc(),
            StreamId = "ems-" + stream.Name,
        };
    }

    public event Action<IViewerMediaSender, string>? Ended;

    public event Action<IViewerMediaSender, LiveStream>? Streaming;

    public WebRtcOfferOptions OfferOptions { get; }

    public ViewerTrafficCounters Counters { get; } = new();

    // The machine's monotonic clock (timestamps from its origin, not from this viewer's start): every send time, and so
    // the abs-send-time written, is on one clock with any other process of this machine that reads it the same way
    // (ems-load measures one-way transit with it); receivers of abs-send-time only use differences.
    private TimeSpan Now => _time.GetElapsedTime(0);

    // On the session's worker (DtlsConnected): set up the track senders, join the stream's rings, and let the worker pump.
    public void Start(PeerSession session, DtlsSrtpKeys keys)
    {
        if (_session is not null)
            return;
        if (!SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out var local, out var remote))
        {
            LogNoSrtp(_logger, _peerId, keys.ProfileId);
            return;
        }

        var video = FindMedia(session.RemoteDescription, "video");
        _session = session;
        _local = local;
        _remote = remote;
        _video = new RtpTrackSender(new RtpTrackSenderOptions
        {
            Ssrc = OfferOptions.VideoSsrc,
            // The payload type of our offer's answer, or the one our answer took from the viewer's offer (of several).
            PayloadType = (byte)((video is null ? null : WebRtcSdpBuilder.SelectH264(video)) ?? FindPayloadType(video, "H264/", WebRtcPayloadTypes.H264)),
            ClockRate = VideoTrackConfig.ClockRate,
            Cname = OfferOptions.Cname,
            InitialSequenceNumber = (ushort)RandomNumberGenerator.GetInt32(0, 65536),
            TimestampOffset = RandomSsrc(),
            Mid = video?.Mid,
            MidExtensionId = video?.Extensions.GetValueOrDefault(WebRtcPayloadTypes.MidExtensionUri) ?? 0,
            AbsSendTimeExtensionId = video?.Extensions.GetValueOrDefault(WebRtcPayloadTypes.AbsSendTimeUri) ?? 0,
        }, local);
        _lastVideoReport = _lastAudioReport = Now; // the first reports after a second of media
        StartAudio(session, keys);
        _subscription = _sources.TrySubscribe(_stream, session.MediaListener);
        if (_subscription is null)
            return; // the server is stopping
        LogSending(_logger, _peerId, _stream.Name);
        Streaming?.Invoke(this, _stream);
        session.RtpOrRtcpReceived += OnRtpOrRtcp;
        session.AddMediaPump(_subscription.Ring, this);
        if (_transcoded is not null)
            session.AddMediaPump(_transcoded.Ring, this);
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is { } session)
        {
            session.RtpOrRtcpReceived -= OnRtpOrRtcp;
            // Once these complete the worker runs neither the pump nor an RTCP handler of this viewer again.
            if (_subscription is not null)
                await session.RemoveMediaPumpAsync(_subscription.Ring, this).ConfigureAwait(false);
            if (_transcoded is not null)
                await session.RemoveMediaPumpAsync(_transcoded.Ring, this).ConfigureAwait(false);
        }

        _subscription?.Dispose();
        _transcoded?.Dispose();
        if (_transcoder is not null)
            await _transcoders.ReleaseAsync(_stream).ConfigureAwait(false);
        _local?.Dispose();
        _remote?.Dispose();
        _audioLocal?.Dispose();
    }

    // On the session's worker, whenever the stream's rings have something: send what arrived, answer what the viewer
    // asked for, report once a second, and say so once the stream ended.
    public void Pump()
    {
        if (_ended || _subscription is not { } subscription || _session is not { } session)
            return;
        var video = _video!;
        var completed = subscription.IsCompleted; // read first: everything published before the end is drained below
        while (subscription.TryRead(out var unit))
        {
            if (unit.Kind == TrackKind.Audio)
            {
                if (unit.Codec == _audioCodec && _transcoder is null)
                    SendAudio(session, new AudioPacket(unit.Payloads[0].Bytes, unit.Timestamp));
                continue;
            }

            SendVideoUnit(video, session, unit, subscription.SubscribedAt);
        }

        if (_transcoded is { } transcoded)
        {
            while (transcoded.TryRead(out var packet))
                SendAudio(session, packet);
        }

        var now = Now;
        if (now - _lastVideoReport >= ReportInterval && video.Reports.HasSent)
        {
            var buffer = PacketBuffer(video);
            if (video.TryWriteSenderReport(now, _time.GetUtcNow(), buffer, out var written))
            {
                _lastVideoReport = now;
                session.SendRtpOrRtcp(buffer.AsSpan(0, written));
            }
        }

        Counters.SetDroppedFrames(subscription.DroppedUnits);
        if (completed)
        {
            _ended = true;
            LogStreamEnded(_logger, _peerId, _stream.Name);
            Ended?.Invoke(this, $"stream \"{_stream.Name}\" ended");
        }
    }

    // The thread's single-packet buffer, large enough for the sender's packets and reports.
    private static byte[] PacketBuffer(RtpTrackSender sender)
    {
        var size = Math.Max(MaxRtcpLength, sender.RequiredBufferSize);
        return t_packet is { } buffer && buffer.Length >= size ? buffer : t_packet = new byte[size];
    }

    private static uint RandomSsrc() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    private static WebRtcRemoteMedia? FindMedia(WebRtcRemoteDescription? description, string kind)
    {
        if (description is null)
            return null;
        foreach (var m in description.Media)
        {
            if (m.Kind == kind && m.Accepted)
                return m;
        }

        return null;
    }

    private static int FindPayloadType(WebRtcRemoteMedia? media, string encodingPrefix, int fallback)
    {
        if (media is null)
            return fallback;
        foreach (var pt in media.PayloadTypes)
        {
            if (media.RtpMaps.TryGetValue(pt, out var encoding) && encoding.StartsWith(encodingPrefix, StringComparison.OrdinalIgnoreCase))
                return pt;
        }

        return fallback;
    }

    // On the session's worker: unprotect, parse, let the track sender take what it asks for (NACK, PLI, reports), copy
    // its feedback figures into the counters the metrics read, and answer at once.
    private void OnRtpOrRtcp(PeerSession session, ReadOnlySpan<byte> packet)
    {
        // RFC 5761 §4: a send-only peer only receives RTCP; anything else is ignored.
        if (!RtcpPacketType.IsRtcp(packet) || packet.Length > MaxRtcpLength || _remote is null || _video is not { } video)
            return;
        var buffer = t_rtcp ??= new byte[MaxRtcpLength];
        packet.CopyTo(buffer);
        if (_remote.TryUnprotectRtcp(buffer, packet.Length, out var length)
            && RtcpCompoundPacket.TryRead(buffer.AsSpan(0, length), out var compound, out _))
        {
            video.HandleRtcp(compound, Now);
            Counters.RecordFeedback(video);
            ServiceRtcp(video, session);
        }
    }

    // Per viewer only: header, copy of the shared payload, SRTP (the history keeps the payload by reference), written
    // back to back into one batch and sent with one call (a unit larger than the batch in several).
    private void SendVideoUnit(RtpTrackSender video, PeerSession session, RtpAccessUnit unit, long subscribedAt)
    {
        var now = Now;
        var batch = t_videoBatch ??= new DatagramBatch(MaxBatchedPackets * video.RequiredBufferSize, MaxBatchedPackets);
        var payloads = unit.Payloads;
        for (var i = 0; i < payloads.Count; i++)
        {
            if (!batch.HasRoomFor(video.RequiredBufferSize))
                SendBatch(session, batch);
            var payload = payloads[i];
            if (video.TryWritePacket(payload.Bytes, payload.Marker, unit.Timestamp, now, batch.Free, out var written))
                batch.Add(written);
        }

        SendBatch(session, batch);

        // Replays of the GOP cache arrived before this viewer did: only live frames measure the server's latency.
        if (unit.ArrivalTimestamp >= subscribedAt)
            _sources.Stats.Srtp.RecordSince(unit.ArrivalTimestamp);
    }

    private void SendBatch(PeerSession session, DatagramBatch batch)
    {
        if (batch.Count > 0 && session.SendRtpOrRtcpBatch(batch))
            Counters.AddPackets(batch.Count, batch.Length);
        batch.Clear();
    }

    private void ServiceRtcp(RtpTrackSender video, PeerSession session)
    {
        var now = Now;
        var packet = PacketBuffer(video);
        while (video.TryPollRetransmission(now, packet, out var written))
        {
            if (session.SendRtpOrRtcp(packet.AsSpan(0, written)))
                Counters.AddRetransmission();
        }

        if (video.TryTakeKeyframeRequest())
        {
            // The GOP cache cannot be replayed mid-stream without rewinding timestamps: the next keyframe
            // of the source answers the request.
            Counters.AddKeyframeRequest();
            LogKeyframeRequest(_logger, _peerId, video.KeyframeRequests);
        }
    }

    private void StartAudio(PeerSession session, DtlsSrtpKeys keys)
    {
        var media = FindMedia(session.RemoteDescription, "audio");
        if (_audioCodec is not { } codec || media is null
            || !SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out var local, out var unused))
        {
            return;
        }

        unused.Dispose();
        var (prefix, payloadType, clockRate) = codec switch
        {
            MediaCodec.Pcmu => ("PCMU/", WebRtcPayloadTypes.Pcmu, G711Payload.ClockRate),
            MediaCodec.Pcma => ("PCMA/", WebRtcPayloadTypes.Pcma, G711Payload.ClockRate),
            _ => ("opus/", WebRtcPayloadTypes.Opus, OpusPayload.ClockRate),
        };
        var sender = new RtpTrackSender(new RtpTrackSenderOptions
        {
            Ssrc = OfferOptions.AudioSsrc,
            PayloadType = (byte)FindPayloadType(media, prefix, payloadType),
            ClockRate = clockRate,
            Cname = OfferOptions.Cname,
            InitialSequenceNumber = (ushort)RandomNumberGenerator.GetInt32(0, 65536),
            TimestampOffset = RandomSsrc(),
            Mid = media.Mid,
            MidExtensionId = media.Extensions.GetValueOrDefault(WebRtcPayloadTypes.MidExtensionUri),
            AbsSendTimeExtensionId = media.Extensions.GetValueOrDefault(WebRtcPayloadTypes.AbsSendTimeUri),
        }, local);
        _audio = sender;
        _audioLocal = local;
        _transcoded = _transcoder?.Subscribe(session.MediaListener);
    }

    // One audio packet per RTP packet (RFC 7587 §4.2; RFC 3551 §4.5.14 for G.711), marker unset.
    private void SendAudio(PeerSession session, in AudioPacket item)
    {
        if (_audio is not { } sender)
            return;
        var now = Now;
        var packet = PacketBuffer(sender);
        if (sender.TryWritePacket(item.Payload, false, item.Timestamp, now, packet, out var written)
            && session.SendRtpOrRtcp(packet.AsSpan(0, written)))
        {
            Counters.AddAudioPacket(written);
        }

        if (now - _lastAudioReport >= ReportInterval && sender.TryWriteSenderReport(now, _time.GetUtcNow(), packet, out written))
        {
            _lastAudioReport = now;
            session.SendRtpOrRtcp(packet.AsSpan(0, written));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Viewer {PeerId}: unsupported SRTP profile {Profile}")]
    private static partial void LogNoSrtp(ILogger logger, string peerId, ushort profile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer {PeerId}: sending stream {Stream} over SRTP")]
    private static partial void LogSending(ILogger logger, string peerId, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer {PeerId}: stream {Stream} ended")]
    private static partial void LogStreamEnded(ILogger logger, string peerId, string stream);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Viewer {PeerId}: keyframe requested ({Count} so far); the next source keyframe answers")]
    private static partial void LogKeyframeRequest(ILogger logger, string peerId, long count);
}
