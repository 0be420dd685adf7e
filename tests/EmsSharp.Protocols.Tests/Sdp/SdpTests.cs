using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.Protocols.Tests.Sdp;

public sealed class SdpTests
{
    private static readonly WebRtcOfferOptions AllMedia = new() { Video = true, Audio = true, DataChannel = true };

    private const string Fingerprint =
        "67:2E:CE:8C:35:6A:10:CE:99:E5:A0:C0:AF:2E:37:84:69:AC:CB:10:DD:45:17:B3:AA:52:98:53:B6:D4:F1:69";

    // Shaped like Chromium 156's answer to a video + data offer (captured in the interop test).
    private const string ChromiumAnswer =
        "v=0\r\no=- 8707471551892791857 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
        "a=msid-semantic: WMS\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:piXF\r\n" +
        "a=ice-pwd:U6zEMYZow5LI3ko/6V+2iBAS\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " + Fingerprint + "\r\n" +
        "a=setup:active\r\na=mid:0\r\na=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n" +
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" +
        "a=rtpmap:96 H264/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n" +
        "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" +
        "a=candidate:1 1 udp 2113937151 192.0.2.2 59284 typ host generation 0\r\n" +
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:piXF\r\n" +
        "a=ice-pwd:U6zEMYZow5LI3ko/6V+2iBAS\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " + Fingerprint + "\r\n" +
        "a=setup:active\r\na=mid:1\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";

    // Shaped like Chromium's offer: recvonly video with VP8 and H.264, and a data channel.
    private const string ChromiumOffer =
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96 102 103\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n" +
        "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " + Fingerprint + "\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n" +
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=recvonly\r\na=rtcp-mux\r\n" +
        "a=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n" +
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n" +
        "a=rtpmap:103 H264/90000\r\n" +
        "a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" +
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sctp-port:5000\r\n" +
        "a=max-message-size:262144\r\n";

    public static TheoryData<string> RoundTripCases => new()
    {
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        ChromiumAnswer,
        ChromiumOffer,
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\n",
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void Round_trips_byte_for_byte(string text)
    {
        Assert.True(SdpSessionDescription.TryParse(text, out var sdp));
        Assert.Equal(text, sdp!.ToString());
        Assert.True(SdpSessionDescription.TryParse(text.Replace("\r\n", "\n", StringComparison.Ordinal), out var lf));
        Assert.Equal(text, lf!.ToString());
    }

    public static TheoryData<string?> MalformedCases => new()
    {
        null,
        "",
        "v=1\r\n",
        "o=- 0 0 IN IP4 127.0.0.1\r\nv=0\r\n",
        "v=0\r\nbogus\r\n",
        "v=0\r\nA=x\r\n",
        "v=0\r\n\r\ns=-\r\n",
        "v=0\r\nm=video\r\n",
        "v=0\r\nm=video x UDP 96\r\n",
        "v=0\r\nm=video 99999 UDP 96\r\n",
        "v=0\r\n" + new string('a', 70000),
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Malformed_sdp_is_rejected(string? text)
    {
        Assert.False(SdpSessionDescription.TryParse(text, out var sdp));
        Assert.Null(sdp);
    }

    [Theory]
    [InlineData("v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n")] // no ICE credentials
    [InlineData("v=0\r\ns=-\r\n")] // no m-lines
    [InlineData("v=0\r\nm=video 9 RTP/SAVPF 96\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:sha-1 AA\r\n")]
    [InlineData("v=0\r\nm=application 9 UDP/DTLS/SCTP x\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:sha-256 AA\r\na=sctp-port:x\r\n")]
    [InlineData("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 300\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:sha-256 AA\r\n")]
    [InlineData("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:sha-256 AA\r\na=setup:holdconn\r\n")]
    public void Incomplete_remote_descriptions_are_rejected(string text) =>
        Assert.False(WebRtcRemoteDescription.TryParse(text, out _));

    [Fact]
    public void Chromium_answer_yields_transport_facts()
    {
        Assert.True(WebRtcRemoteDescription.TryParse(ChromiumAnswer, out var remote));
        Assert.Equal("piXF", remote!.IceUfrag);
        Assert.Equal("U6zEMYZow5LI3ko/6V+2iBAS", remote.IcePassword);
        Assert.Equal(Fingerprint, remote.Fingerprint);
        Assert.Equal("active", remote.Setup);
        Assert.Equal(59284, Assert.Single(remote.Candidates).Port);
        var video = remote.Media[0];
        Assert.Equal("video", video.Kind);
        Assert.Equal("recvonly", video.Direction);
        Assert.Equal([96], video.PayloadTypes);
        Assert.Equal("H264/90000", video.RtpMaps[96]);
        Assert.Equal(1, video.Extensions[WebRtcPayloadTypes.MidExtensionUri]);
        Assert.Equal(2, video.Extensions[WebRtcPayloadTypes.AbsSendTimeUri]);
        var data = remote.Media[1];
        Assert.Equal(5000, data.SctpPort);
        Assert.Equal(262144, data.MaxMessageSize);
    }

    private static SdpLocalParameters Local(string setup) => new("ufrg", "passwordpasswordpassword", Fingerprint, setup,
        [new IceCandidate("h0", 1, 2130706431, "127.0.0.1", 40000, IceCandidateType.Host)]);

    [Fact]
    public void Media_offer_has_what_browsers_need()
    {
        var offer = WebRtcSdpBuilder.CreateOffer(new WebRtcOfferOptions { Video = true, Audio = true },
            Local("actpass"), 42).ToString();

        Assert.Contains("a=group:BUNDLE 0 1\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 96\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n", offer,
            StringComparison.Ordinal);
        Assert.Contains("a=rtcp-fb:96 nack pli\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=rtcp-fb:96 ccm fir\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:111 opus/48000/2\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=setup:actpass\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=ice-options:trickle\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=sendonly\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=rtcp-mux\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=candidate:h0 1 udp 2130706431 127.0.0.1 40000 typ host\r\n", offer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=fmtp:0 ", offer, StringComparison.Ordinal);
        Assert.True(WebRtcRemoteDescription.TryParse(offer, out var parsed));
        Assert.Equal("ufrg", parsed!.IceUfrag);
    }

    [Fact]
    public void Data_channel_offer_has_sctp_attributes()
    {
        var offer = WebRtcSdpBuilder.CreateOffer(new WebRtcOfferOptions { DataChannel = true }, Local("actpass"), 1)
            .ToString();
        Assert.Contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=sctp-port:5000\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=max-message-size:262144\r\n", offer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0\r\n", offer, StringComparison.Ordinal);
    }

    [Fact]
    public void Answer_to_chromium_offer_picks_h264_pm1_and_keeps_extension_ids()
    {
        Assert.True(WebRtcRemoteDescription.TryParse(ChromiumOffer, out var offer));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, AllMedia, Local("active"), 7).ToString();

        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 103\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("abs-send-time", answer, StringComparison.Ordinal);
        Assert.Contains("a=sendonly\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=setup:active\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0 1\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public void Answer_keeps_the_offered_opus_payload_type()
    {
        const string offerText = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 109 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
            "a=fingerprint:sha-256 " + Fingerprint + "\r\na=setup:actpass\r\na=mid:a\r\na=recvonly\r\n" +
            "a=rtpmap:109 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n";
        Assert.True(WebRtcRemoteDescription.TryParse(offerText, out var offer));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, AllMedia, Local("active"), 7).ToString();
        Assert.Contains("m=audio 9 UDP/TLS/RTP/SAVPF 109\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:109 opus/48000/2\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:109 minptime=10;useinbandfec=1\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public void Answer_rejects_unsupported_media_with_port_zero()
    {
        const string offerText = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
            "a=fingerprint:sha-256 " + Fingerprint + "\r\na=setup:actpass\r\na=mid:v\r\na=rtpmap:96 VP8/90000\r\n";
        Assert.True(WebRtcRemoteDescription.TryParse(offerText, out var offer));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, AllMedia, Local("active"), 7).ToString();
        Assert.Contains("m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=group:BUNDLE", answer, StringComparison.Ordinal);
        Assert.False(WebRtcSdpBuilder.CanAnswer(offer!, AllMedia));
    }

    [Fact]
    public void Answer_rejects_what_the_stream_does_not_have()
    {
        // An offer of video and data channels, answered for a stream with video only (a WHEP session): only the
        // video section is accepted, and the answer bundles it alone.
        Assert.True(WebRtcRemoteDescription.TryParse(ChromiumOffer, out var offer));
        var videoOnly = new WebRtcOfferOptions { Video = true };
        Assert.True(WebRtcSdpBuilder.CanAnswer(offer!, videoOnly));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, videoOnly, Local("active"), 7).ToString();
        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 103\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("m=application 0 ", answer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0\r\n", answer, StringComparison.Ordinal);

        // The same offer, for a stream with audio only, has nothing to answer.
        Assert.False(WebRtcSdpBuilder.CanAnswer(offer!, new WebRtcOfferOptions { Audio = true }));
    }

    [Fact]
    public void A_receiving_answer_takes_what_a_whip_publisher_sends_and_sends_nothing()
    {
        // A publisher's offer (RFC 9725 §4.2): sendrecv H.264 (aiortc's default), sendonly Opus, and a recvonly section
        // that would have the server send.
        var offerText = ChromiumOffer.Replace("a=recvonly", "a=sendrecv", StringComparison.Ordinal).Replace(
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:2\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n", StringComparison.Ordinal);
        Assert.True(WebRtcRemoteDescription.TryParse(offerText, out var offer));
        var receiving = new WebRtcOfferOptions { Video = true, Audio = true, Receives = true };
        Assert.True(WebRtcSdpBuilder.CanAnswer(offer!, receiving));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, receiving, Local("active"), 7).ToString();

        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 103\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:2\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(2, answer.Split("a=recvonly\r\n").Length - 1);
        Assert.DoesNotContain("a=sendonly", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=msid:", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=ssrc:", answer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0 1\r\n", answer, StringComparison.Ordinal);

        // A player's offer (receive-only) has nothing for a receiving answer.
        Assert.True(WebRtcRemoteDescription.TryParse(ChromiumOffer, out var player));
        Assert.False(WebRtcSdpBuilder.CanAnswer(player!, receiving));
    }

    [Fact]
    public void Ice_fragment_of_an_answer_is_its_bundle_tagged_sections_transport()
    {
        // An offer of data channels then video, answered for a stream with video only: the rejected data section comes
        // first, so the fragment (RFC 8840 §9, RFC 9725 §4.3.3) is the video section's, the one the BUNDLE group tags.
        var offerText = ChromiumOffer.Replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 1 0", StringComparison.Ordinal);
        var data = offerText[offerText.IndexOf("m=application", StringComparison.Ordinal)..];
        offerText = offerText.Replace(data, string.Empty, StringComparison.Ordinal)
            .Replace("m=video", data + "m=video", StringComparison.Ordinal);
        Assert.True(WebRtcRemoteDescription.TryParse(offerText, out var offer));
        var answer = WebRtcSdpBuilder.CreateAnswer(offer!, new WebRtcOfferOptions { Video = true }, Local("active"), 7);
        Assert.Equal(0, answer.Media[0].Port);

        Assert.Equal(
            "a=group:BUNDLE 0\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 103\r\n" +
            "a=ice-ufrag:ufrg\r\na=ice-pwd:passwordpasswordpassword\r\na=mid:0\r\n" +
            "a=candidate:h0 1 udp 2130706431 127.0.0.1 40000 typ host\r\n",
            WebRtcSdpBuilder.CreateIceFragment(answer));
        Assert.Throws<ArgumentException>(() => WebRtcSdpBuilder.CreateIceFragment(new SdpSessionDescription()));
    }
}
