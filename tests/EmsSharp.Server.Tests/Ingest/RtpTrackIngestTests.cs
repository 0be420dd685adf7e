using System.Buffers.Binary;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Tests.Ingest;

public class RtpTrackIngestTests
{
    // SPS/PPS of a 320x180 Constrained Baseline stream (as ffmpeg puts in sprop-parameter-sets).
    private const string Sdp =
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
        "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LADasgKDPz4CIAAAMAAgAAAwBkHihUkA==,aM4yyA==\r\n" +
        "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\n" +
        "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1210\r\n" +
        "m=audio 0 RTP/AVP 98\r\na=rtpmap:98 L16/44100\r\n";

    private static byte[] Rtp(byte payloadType, ushort sequence, uint timestamp, bool marker, params byte[] payload)
    {
        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0x1234);
        payload.CopyTo(packet, 12);
        return packet;
    }

    [Fact]
    public void Sdp_parameters_become_track_configurations_and_timestamps_unwrap_from_zero()
    {
        Assert.True(RtspSessionDescription.TryParse(Sdp, out var sdp));
        Assert.True(RtpTrackIngest.TryCreate(sdp.Media[0], out var video, out _));
        Assert.True(RtpTrackIngest.TryCreate(sdp.Media[1], out var audio, out _));
        Assert.False(RtpTrackIngest.TryCreate(sdp.Media[2], out _, out var reason));
        Assert.Contains("L16", reason, StringComparison.Ordinal);

        var hub = new StreamHub();
        Assert.True(hub.TryPublish("t", out var stream));
        using var reader = stream.CreateReader(64);
        video.Attach(stream);
        audio.Attach(stream);
        Assert.Equal((320, 180), (stream.Video!.Width, stream.Video.Height));
        Assert.Equal(1, stream.Video.DecoderConfiguration.Span[0]); // avcC configurationVersion
        Assert.Equal((MediaCodec.Aac, 44_100, 2), (stream.Audio!.Codec, stream.Audio.SampleRate, stream.Audio.Channels));

        // IDR then a P slice across the 32-bit wrap (RFC 3550 §5.1), then one foreign payload type.
        video.HandleRtp(Rtp(96, 1, 0xFFFF_0000, true, 0x65, 0x88, 0x84));
        video.HandleRtp(Rtp(96, 2, 0x0000_0BB8, true, 0x41, 0x9A));
        video.HandleRtp(Rtp(97, 3, 0x0000_1770, true, 0x41, 0x9A));
        audio.HandleRtp(Rtp(97, 9, 500, true, 0, 16, 0, 0x18, 0xAA, 0xBB, 0xCC)); // one 3-byte AU

        Assert.True(reader.TryRead(out var idr));
        Assert.Equal((TrackKind.Video, true, 0L), (idr.Kind, idr.IsKeyframe, idr.Dts));
        Assert.Equal([0, 0, 0, 3, 0x65, 0x88, 0x84], idr.Payload.ToArray());
        Assert.True(reader.TryRead(out var p));
        Assert.Equal((false, 0x1_0000L + 0xBB8), (p.IsKeyframe, p.Dts));
        Assert.True(reader.TryRead(out var aac));
        Assert.Equal((TrackKind.Audio, 0L, 3), (aac.Kind, aac.Dts, aac.Payload.Length));
        Assert.False(reader.TryRead(out _));
        Assert.Equal(1, video.MalformedPackets);
    }

    [Fact]
    public void Parameter_sets_in_band_configure_a_track_without_sprop()
    {
        Assert.True(RtspSessionDescription.TryParse("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", out var sdp));
        Assert.True(RtpTrackIngest.TryCreate(sdp.Media[0], out var video, out _));
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("t", out var stream));
        video.Attach(stream);
        Assert.Null(stream.Video);
        video.HandleRtp(Rtp(96, 1, 0, true, 0x41, 0x9A)); // nothing decodable before SPS/PPS
        var sps = Convert.FromBase64String("Z0LADasgKDPz4CIAAAMAAgAAAwBkHihUkA==");
        var pps = Convert.FromBase64String("aM4yyA==");
        byte[] stapA = [0x18, 0, (byte)sps.Length, .. sps, 0, (byte)pps.Length, .. pps, 0, 3, 0x65, 0x88, 0x84];
        video.HandleRtp(Rtp(96, 2, 3000, true, stapA)); // RFC 6184 §5.7.1 STAP-A
        Assert.Equal((320, 180), (stream.Video!.Width, stream.Video.Height));
        Assert.Equal(1, stream.GetStats().VideoFrames);
    }

    [Theory]
    [InlineData("a=fmtp:97 mode=AAC-hbr;sizelength=13")]
    [InlineData("a=fmtp:97 mode=AAC-hbr;config=zz;sizelength=13")]
    [InlineData("a=fmtp:97 config=1210;sizelength=40")]
    public void Aac_without_a_usable_config_is_refused(string fmtp)
    {
        Assert.True(RtspSessionDescription.TryParse($"m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\n{fmtp}\r\n", out var sdp));
        Assert.False(RtpTrackIngest.TryCreate(sdp.Media[0], out _, out _));
    }
}
