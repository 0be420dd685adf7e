using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>The media pump of <see cref="RtspPlayback"/>: hub frames to RTP packets and RTCP sender reports.</summary>
internal sealed partial class RtspPlayback
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

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var reason = "stream ended";
        try
        {
            await SendFrameAsync(_first, cancellationToken).ConfigureAwait(false);
            while (await _reader!.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_reader.TryRead(out var frame))
                {
                    await SendFrameAsync(frame, cancellationToken).ConfigureAwait(false);
                }

                _counters!.SetDroppedFrames(_reader.DroppedFrames);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // the connection ends the session
        }
        catch (TimeoutException)
        {
            reason = "the player stopped reading (send timeout)";
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            reason = "connection lost: " + e.Message;
        }

        LogPumpStopped(logger, _remote, _stream!.Name, reason);
        stopConnection(); // RFC 2326 has no "stream ended" message: closing the connection tells the player
    }

    private async ValueTask SendFrameAsync(MediaFrame frame, CancellationToken cancellationToken)
    {
        var track = TrackFor(frame);
        if (track is null || !TryPacketize(frame, track, out var count))
        {
            return;
        }

        if (track.Udp is { } udp)
        {
            var to = track.Destination!.Value.Rtp;
            for (var i = 0; i < count; i++)
            {
                var (offset, length) = _packets[i];
                // The interleaved header room before each packet is not sent over UDP.
                connection.AddSent(await udp.Rtp.SendToAsync(
                    _scratch.AsMemory(offset + RtspInterleavedFrame.HeaderLength, length - RtspInterleavedFrame.HeaderLength),
                    SocketFlags.None, to, cancellationToken).ConfigureAwait(false));
            }
        }
        else
        {
            var end = _packets[count - 1].Offset + _packets[count - 1].Length;
            await writer.SendAsync(_scratch.AsMemory(0, end), cancellationToken).ConfigureAwait(false); // one write per frame
        }

        await ReportIfDueAsync(track, cancellationToken).ConfigureAwait(false);
    }

    private RtspPlayTrack? TrackFor(in MediaFrame frame)
    {
        foreach (var track in _tracks)
        {
            if (track.Media.Kind == frame.Kind && track.Media.Codec == frame.Codec)
            {
                return track.IsSetUp ? track : null;
            }
        }

        return null; // a track the player did not set up, or a codec the publisher changed to since DESCRIBE
    }

    // Writes the frame's RTP packets into the scratch buffer, each behind room for the interleaved header (RFC 2326
    // §10.12: '$', channel, 16-bit length), filled in for TCP.
    private bool TryPacketize(in MediaFrame frame, RtspPlayTrack track, out int count)
    {
        count = 0;
        var media = track.Media;
        var timestamp = unchecked(track.TimestampOffset + (uint)Rescale(frame.Pts, ClockOf(frame.Kind), media.ClockRate));
        var total = 0;
        var payloadBytes = 0;
        switch (media.Codec)
        {
            case MediaCodec.H264:
                ReadParameterSets(_stream!.Video);
                if (frame.Payload.Length > MaxAccessUnitLength
                    || !H264Packetizer.TryCreate(frame.Payload.Span, frame.IsKeyframe, _sps, _pps, MaxPayloadSize, out var h264))
                {
                    return false;
                }

                while (true)
                {
                    Reserve(total, count);
                    var at = total + RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength;
                    if (!h264.TryWriteNext(_scratch.AsSpan(at, MaxPayloadSize), out var written, out var marker))
                    {
                        break;
                    }

                    total = AddPacket(track, total, ref count, written, marker, timestamp);
                    payloadBytes += written;
                }

                break;
            case MediaCodec.Aac:
                if (!Mpeg4GenericPacketizer.TryCreate(frame.Payload.Span, MaxPayloadSize, out var aac))
                {
                    return false;
                }

                while (true)
                {
                    Reserve(total, count);
                    var at = total + RtspInterleavedFrame.HeaderLength + RtpHeader.FixedLength;
                    if (!aac.TryWriteNext(_scratch.AsSpan(at, MaxPayloadSize), out var written, out var marker))
                    {
                        break;
                    }

                    total = AddPacket(track, total, ref count, written, marker, timestamp);
                    payloadBytes += written;
                }

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
        for (var i = 0; i < count; i++)
        {
            if (media.Kind == TrackKind.Audio)
            {
                _counters!.AddAudioPacket(_packets[i].Length);
            }
            else
            {
                _counters!.AddPacket(_packets[i].Length);
            }
        }

        return true;
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

    // RFC 3550 §6.4.1: an SR after the track's first packets, then every ReportInterval; with an SDES CNAME, as a
    // compound packet must carry (§6.1). Its NTP/RTP pair is taken on the hub's arrival clock, the same for every track,
    // so a player syncs audio to video even when the GOP cache went out in a burst.
    private async ValueTask ReportIfDueAsync(RtspPlayTrack track, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp(); // the clock of MediaFrame.ArrivalTimestamp
        if (track.NextReport != 0 && now < track.NextReport)
        {
            return;
        }

        track.NextReport = now + (long)(ReportInterval.TotalSeconds * Stopwatch.Frequency);
        var report = track.Reports.Build(ToTimeSpan(now), DateTimeOffset.UtcNow);
        var sdes = new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(track.Ssrc, "ems@" + sessionId)] };
        var length = report.GetSerializedLength() + sdes.GetSerializedLength();
        var buffer = new byte[RtspInterleavedFrame.HeaderLength + length];
        if (!report.TryWrite(buffer.AsSpan(RtspInterleavedFrame.HeaderLength), out var first)
            || !sdes.TryWrite(buffer.AsSpan(RtspInterleavedFrame.HeaderLength + first), out _))
        {
            return;
        }

        if (track.Udp is { } udp)
        {
            await udp.Rtcp.SendToAsync(buffer.AsMemory(RtspInterleavedFrame.HeaderLength), SocketFlags.None, track.Destination!.Value.Rtcp, cancellationToken)
                .ConfigureAwait(false);
        }
        else
        {
            buffer[0] = RtspInterleavedFrame.Magic;
            buffer[1] = (byte)track.RtcpChannel;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)length);
            await writer.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
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

    private static TimeSpan ToTimeSpan(long stopwatchTimestamp) =>
        TimeSpan.FromTicks((long)(stopwatchTimestamp * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
}
