using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public class RtspPlaySdpTests
{
    // Baseline 3.0 SPS and a PPS (as x264 writes them for 320x240).
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x01, 0x41, 0xFB, 0x01, 0x10];
    private static readonly byte[] Pps = [0x68, 0xCB, 0x83, 0xCB, 0x20];

    private static VideoTrackConfig Video()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
        var bytes = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(bytes, out _));
        return new VideoTrackConfig(MediaCodec.H264, bytes, 320, 240);
    }

    private static AudioTrackConfig Aac() => new(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2);

    [Fact]
    public void H264_and_aac_are_described_per_rfc_6184_and_rfc_3640_and_parse_back()
    {
        Assert.True(RtspPlayMedia.TryCreateVideo(Video(), "trackID=0", out var video, out _));
        Assert.True(RtspPlayMedia.TryCreateAudio(Aac(), "trackID=1", out var audio, out _));
        var sdp = RtspPlaySdp.Write([video, audio], "127.0.0.1", "cam", 42);

        Assert.Contains("a=rtpmap:96 H264/90000\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtkBQfsBEA==,aMuDyyA=;profile-level-id=42C01E\r\n",
            sdp, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:97 mpeg4-generic/48000/2\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains("mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n", sdp, StringComparison.Ordinal);

        // Our own RTSP ingest reads what our playback writes.
        Assert.True(RtspSessionDescription.TryParse(sdp, out var parsed));
        Assert.Equal(2, parsed.Media.Count);
        Assert.Equal(("video", 96, "H264", 90_000, "trackID=0"), (parsed.Media[0].Media, parsed.Media[0].PayloadType,
            parsed.Media[0].EncodingName, parsed.Media[0].ClockRate, parsed.Media[0].Control));
        Assert.Equal(("audio", 97, "MPEG4-GENERIC", 48_000, 2, "trackID=1"), (parsed.Media[1].Media, parsed.Media[1].PayloadType,
            parsed.Media[1].EncodingName, parsed.Media[1].ClockRate, parsed.Media[1].Channels, parsed.Media[1].Control));
        Assert.Equal("1190", parsed.Media[1].FormatParameters["config"]);
    }

    [Fact]
    public void Opus_and_g711_are_described_on_their_own_clocks()
    {
        Assert.True(RtspPlayMedia.TryCreateAudio(new AudioTrackConfig(MediaCodec.Opus, default, 48_000, 2), "trackID=0", out var opus, out _));
        Assert.Equal(("opus/48000/2", 97, "sprop-stereo=1"), (opus.RtpMap, opus.PayloadType, opus.Fmtp));
        Assert.True(RtspPlayMedia.TryCreateAudio(new AudioTrackConfig(MediaCodec.Pcma, default, 8000, 1), "trackID=0", out var pcma, out _));
        Assert.Equal(("PCMA/8000", 8), (pcma.RtpMap, pcma.PayloadType));
    }

    [Fact]
    public void Tracks_that_cannot_be_described_say_why()
    {
        Assert.False(RtspPlayMedia.TryCreateVideo(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 2 }, 0, 0), "trackID=0", out _, out var noSps));
        Assert.Contains("SPS", noSps, StringComparison.Ordinal);
        Assert.False(RtspPlayMedia.TryCreateAudio(new AudioTrackConfig(MediaCodec.Aac, default, 48_000, 2), "trackID=1", out _, out var noAsc));
        Assert.Contains("AudioSpecificConfig", noAsc, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_name_cannot_break_an_sdp_line()
    {
        Assert.True(RtspPlayMedia.TryCreateVideo(Video(), "trackID=0", out var video, out _));
        var sdp = RtspPlaySdp.Write([video], "127.0.0.1", "a\r\nm=audio 0 RTP/AVP 0", 1);
        Assert.Single(sdp.Split("\r\n"), l => l.StartsWith("m=", StringComparison.Ordinal));
    }
}
