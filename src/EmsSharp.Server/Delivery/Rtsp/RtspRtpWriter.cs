using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>
/// Hub frames to RTP packets and RTCP sender reports for the tracks of one RTSP session, whichever way the session runs:
/// a player's (<see cref="RtspPlayback"/>, RFC 2326 §10.5 PLAY) or our push to another server (RECORD, §10.11). Each
/// packet is written behind room for the interleaved header (§10.12: '$', channel, 16-bit length), filled in with the
/// track's channel, so a frame goes out over TCP in one write and over UDP packet by packet from
/// <see cref="RtspInterleavedFrame.HeaderLength"/> on.
/// </summary>
internal sealed class RtspRtpWriter(string cname)
{
    private const int MaxPayloadSize = H264Packetizer.DefaultMaxPayloadSize;
    private const int MaxAccessUnitLength = 8 * 1024 * 1024;
    private const int PacketRoom = RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength + MaxPayloadSize;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5); // RFC 3550 §6.2: the 5 s minimum

    private byte[] _scratch = new byte[64 * 1024];
    private (int Offset, int Length)[] _packets = new (int, int)[64];
    private VideoTrackConfig? _spsConfig;
    private byte[] _sps = [];
    private byte[] _pps = [];

    // The packets of the last TryWrite, each with its interleaved header, back to back.
    private ReadOnlyMemory<byte> Written { get; set; }

    /// <summary>The RTP time of hub timestamp <paramref name="pts"/> on <paramref name="track"/> (RFC 3550 §5.1: a random offset).</summary>
    public static uint RtpTime(LiveStream stream, RtspPlayTrack track, long pts, TrackKind kind) =>
        unchecked(track.TimestampOffset + (uint)Rescale(pts, ClockOf(stream, kind), track.Media.ClockRate));

    /// <summary>
    /// Writes <paramref name="frame"/>'s RTP packets for <paramref name="track"/> (H.264 RFC 6184, AAC RFC 3640; Opus and
    /// G.711 one frame per packet); false when it makes none (a codec or size the track cannot carry).
    /// </summary>
    public bool TryWrite(LiveStream stream, in MediaFrame frame, RtspPlayTrack track, out int count)
    {
        count = 0;
        var media = track.Media;
        var timestamp = RtpTime(stream, track, frame.Pts, frame.Kind);
        var total = 0;
        var payloadBytes = 0;
        switch (media.Codec)
        {
            case MediaCodec.H264:
                ReadParameterSets(stream.Video);
                if (frame.Payload.Length > MaxAccessUnitLength
                    || !H264Packetizer.TryCreate(frame.Payload.Span, frame.IsKeyframe, _sps, _pps, MaxPayloadSize, out var h264))
                {
                    return false;
                }

                payloadBytes = WriteAll(ref h264, track, ref total, ref count, timestamp);

                break;
            case MediaCodec.Aac:
                if (!Mpeg4GenericPacketizer.TryCreate(frame.Payload.Span, MaxPayloadSize, out var aac))
                {
                    return false;
                }

                payloadBytes = WriteAll(ref aac, track, ref total, ref count, timestamp);

                break;
            default:
                // Opus (RFC 7587 §4.2) and G.711 (RFC 3551 §4.5.14): one frame, one packet, as is.
                if (frame.Payload.IsEmpty || frame.Payload.Length > MaxPayloadSize)
                {
                    return false;
                }

                Reserve(total, count);
                frame.Payload.Span.CopyTo(_scratch.AsSpan(total + RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength));
                total = AddPacket(track, total, ref count, frame.Payload.Length, marker: false, timestamp);
                payloadBytes = frame.Payload.Length;
                break;
        }

        if (count == 0)
        {
            return false;
        }

        track.Reports.OnPacketSent(timestamp, payloadBytes, ToTimeSpan(frame.ArrivalTimestamp));
        Written = _scratch.AsMemory(0, total);
        return true;
    }

    /// <summary>
    /// Counts the packets of the last <see cref="TryWrite"/> on <paramref name="track"/> in <paramref name="counters"/> and
    /// sends them: over TCP in one write through <paramref name="sendTcp"/>, over UDP one datagram each to the track's
    /// destination (counted on <paramref name="connection"/>); then the track's sender report when one is due.
    /// </summary>
    public async ValueTask SendAsync(
        RtspPlayTrack track, int count, ViewerTrafficCounters counters, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sendTcp,
        Connection connection, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            if (track.Media.Kind == TrackKind.Audio)
            {
                counters.AddAudioPacket(_packets[i].Length);
            }
            else
            {
                counters.AddPacket(_packets[i].Length);
            }
        }

        if (track.Udp is { } udp)
        {
            var to = track.Destination!.Value.Rtp;
            for (var i = 0; i < count; i++)
            {
                var (offset, length) = _packets[i];
                // The interleaved header room before each packet is not sent over UDP.
                connection.AddSent(await udp.Rtp.SendToAsync(
                    Written.Slice(offset + RtspInterleavedFrame.HeaderLength, length - RtspInterleavedFrame.HeaderLength),
                    SocketFlags.None, to, cancellationToken).ConfigureAwait(false));
            }
        }
        else
        {
            await sendTcp(Written, cancellationToken).ConfigureAwait(false); // one write per frame
        }

        if (TryBuildReport(track) is not { } report)
        {
            return;
        }

        if (track.Udp is { } rtcp)
        {
            connection.AddSent(await rtcp.Rtcp.SendToAsync(report.AsMemory(RtspInterleavedFrame.HeaderLength), SocketFlags.None,
                track.Destination!.Value.Rtcp, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            await sendTcp(report, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// RFC 3550 §6.4.1: an SR after the track's first packets, then every 5 s; with an SDES CNAME, as a compound packet
    /// must carry (§6.1), behind room for the interleaved header (filled in for the track's RTCP channel). Its NTP/RTP
    /// pair is taken on the hub's arrival clock, the same for every track, so a player syncs audio to video even when the
    /// GOP cache went out in a burst. Null when none is due.
    /// </summary>
    private byte[]? TryBuildReport(RtspPlayTrack track)
    {
        var now = Stopwatch.GetTimestamp(); // the clock of MediaFrame.ArrivalTimestamp
        if (track.NextReport != 0 && now < track.NextReport)
        {
            return null;
        }

        track.NextReport = now + (long)(ReportInterval.TotalSeconds * Stopwatch.Frequency);
        var report = track.Reports.Build(ToTimeSpan(now), DateTimeOffset.UtcNow);
        var sdes = new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(track.Ssrc, cname)] };
        var length = report.GetSerializedLength() + sdes.GetSerializedLength();
        var buffer = new byte[RtspInterleavedFrame.HeaderLength + length];
        if (!report.TryWrite(buffer.AsSpan(RtspInterleavedFrame.HeaderLength), out var first)
            || !sdes.TryWrite(buffer.AsSpan(RtspInterleavedFrame.HeaderLength + first), out _))
        {
            return null;
        }

        buffer[0] = RtspInterleavedFrame.Magic;
        buffer[1] = (byte)Math.Max(0, track.RtcpChannel);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)length);
        return buffer;
    }

    private static int ClockOf(LiveStream stream, TrackKind kind) =>
        kind == TrackKind.Video ? VideoTrackConfig.ClockRate : Math.Max(1, stream.Audio?.ClockRate ?? 1);

    private static long Rescale(long value, int from, int to) => from == to ? value : (long)((Int128)value * to / from);

    private static TimeSpan ToTimeSpan(long stopwatchTimestamp) =>
        TimeSpan.FromTicks((long)(stopwatchTimestamp * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

    // Every payload of the unit, each behind its interleaved and RTP headers; returns the payload bytes written.
    private int WriteAll<TPacketizer>(ref TPacketizer packetizer, RtspPlayTrack track, ref int total, ref int count, uint timestamp)
        where TPacketizer : IRtpPayloadPacketizer, allows ref struct
    {
        var payloadBytes = 0;
        while (true)
        {
            Reserve(total, count);
            var at = total + RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength;
            if (!packetizer.TryWriteNext(_scratch.AsSpan(at, MaxPayloadSize), out var written, out var marker))
            {
                return payloadBytes;
            }

            total = AddPacket(track, total, ref count, written, marker, timestamp);
            payloadBytes += written;
        }
    }

    // Fills the interleaved and RTP headers of the payload just written at total + 16 and records the packet.
    private int AddPacket(RtspPlayTrack track, int total, ref int count, int payloadLength, bool marker, uint timestamp)
    {
        var length = RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength + payloadLength;
        var packet = _scratch.AsSpan(total, length);
        new RtspInterleavedFrame((byte)Math.Max(0, track.RtpChannel), RtpHeader.FixedLength + payloadLength).TryWrite(packet, out _);
        new RtpHeader
        {
            Marker = marker,
            PayloadType = (byte)track.Media.PayloadType,
            SequenceNumber = track.Sequence++,
            Timestamp = timestamp,
            Ssrc = track.Ssrc,
        }.TryWrite(packet[RtspInterleavedFrame.HeaderLength..], out _);
        _packets[count++] = (total, length);
        return total + length;
    }

    private void Reserve(int total, int count)
    {
        if (_scratch.Length - total < PacketRoom)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, total + PacketRoom));
        }

        if (count == _packets.Length)
        {
            Array.Resize(ref _packets, _packets.Length * 2);
        }
    }

    private void ReadParameterSets(VideoTrackConfig? config)
    {
        if (ReferenceEquals(config, _spsConfig))
        {
            return;
        }

        _spsConfig = config;
        (_sps, _pps) = config is not null
            && AvcDecoderConfigurationRecord.TryRead(config.DecoderConfiguration.Span, out var record, out _)
            && record.SequenceParameterSets.Count > 0 && record.PictureParameterSets.Count > 0
            ? (record.SequenceParameterSets[0], record.PictureParameterSets[0])
            : ([], []);
    }
}
