using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public class RtspSessionDescriptionTests
{
    // As ffmpeg's RTSP muxer announces H.264 + AAC.
    private const string FfmpegSdp =
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=tool:libavformat\r\n" +
        "m=video 0 RTP/AVP 96\r\nb=AS:256\r\na=rtpmap:96 H264/90000\r\n" +
        "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==; profile-level-id=42C01E\r\n" +
        "a=control:streamid=0\r\n" +
        "m=audio 0 RTP/AVP 97\r\nb=AS:64\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n" +
        "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1190\r\n" +
        "a=control:streamid=1\r\n" +
        "m=audio 0 RTP/AVP 0\r\na=control:streamid=2\r\n";

    [Fact]
    public void Ffmpeg_announce_is_read()
    {
        Assert.True(RtspSessionDescription.TryParse(FfmpegSdp, out var sdp));
        Assert.Equal(3, sdp.Media.Count);
        var video = sdp.Media[0];
        Assert.Equal(("video", 96, "H264", 90000), (video.Media, video.PayloadType, video.EncodingName, video.ClockRate));
        Assert.Equal("Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==", video.FormatParameters["sprop-parameter-sets"]);
        Assert.Equal("rtsp://h/s/streamid=0", video.ResolveControl("rtsp://h/s"));
        var audio = sdp.Media[1];
        Assert.Equal(("MPEG4-GENERIC", 48000, 2), (audio.EncodingName, audio.ClockRate, audio.Channels));
        Assert.Equal("1190", audio.FormatParameters["config"]);
        Assert.Equal("13", audio.FormatParameters["sizeLength"]);
        Assert.Equal(("PCMU", 8000), (sdp.Media[2].EncodingName, sdp.Media[2].ClockRate));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v=0\r\ns=x\r\n")]
    [InlineData("m=video 0 RTP/AVP\r\n")]
    [InlineData("m=video 0 RTP/AVP x\r\n")]
    [InlineData("m=video 0 RTP/AVP 300\r\n")]
    public void Descriptions_without_usable_media_are_refused(string sdp)
    {
        Assert.False(RtspSessionDescription.TryParse(sdp, out _));
    }

    [Fact]
    public void Absolute_control_urls_are_kept()
    {
        Assert.True(RtspSessionDescription.TryParse("m=video 0 RTP/AVP 96\r\na=control:rtsp://other/track1\r\n", out var sdp));
        Assert.Equal("rtsp://other/track1", sdp.Media[0].ResolveControl("rtsp://h/s/"));
    }
}
