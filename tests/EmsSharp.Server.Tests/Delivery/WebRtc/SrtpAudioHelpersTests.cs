using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

public class SrtpAudioHelpersTests
{
    // RFC 6716 §3.1: TOC = config (5 bits) | stereo | frame count code (2 bits).
    [Theory]
    [InlineData(new byte[] { (1 << 3) | 0 }, 960)]          // SILK NB 20 ms, one frame
    [InlineData(new byte[] { (3 << 3) | 0 }, 2880)]         // SILK NB 60 ms
    [InlineData(new byte[] { (13 << 3) | 0 }, 960)]         // Hybrid SWB 20 ms
    [InlineData(new byte[] { (31 << 3) | 0 }, 960)]         // CELT FB 20 ms (ffmpeg's libopus default)
    [InlineData(new byte[] { (28 << 3) | 0 }, 120)]         // CELT FB 2.5 ms
    [InlineData(new byte[] { (31 << 3) | 1 }, 1920)]        // two equal frames
    [InlineData(new byte[] { (31 << 3) | 3, 3 }, 2880)]     // code 3: frame count in the second byte
    [InlineData(new byte[] { (31 << 3) | 3 }, 0)]           // code 3 without its count byte
    [InlineData(new byte[] { }, 0)]
    public void Opus_packet_durations_follow_the_toc_byte(byte[] packet, int samples)
    {
        Assert.Equal(samples, AacOpusTranscoder.GetPacketSamples(packet));
    }

    [Theory]
    [InlineData("stun:stun.example.org", true, "stun.example.org", 3478)]
    [InlineData("stun:127.0.0.1:19302", true, "127.0.0.1", 19302)]
    [InlineData("STUN:host:3479?transport=udp", true, "host", 3479)]
    [InlineData("stun:host:0", false, "", 3478)]
    [InlineData("turn:host:3478", true, "host", 3478)]
    [InlineData("turn:host:3479?transport=udp", true, "host", 3479)]
    [InlineData("turn:host:3478?transport=tcp", false, "", 3478)]
    [InlineData("turns:host:5349?transport=tcp", false, "", 3478)]
    [InlineData("stun:", false, "", 3478)]
    public void Stun_and_udp_turn_urls_resolve_to_host_and_port(string url, bool ok, string host, int port)
    {
        Assert.Equal(ok, IceServerUrl.TryParseStun(url, out var h, out var p));
        if (ok)
            Assert.Equal((host, port), (h, p));
    }

    [Theory]
    [InlineData("turn:ers.example:3478?transport=tcp", "ers.example", 3478, false)]
    [InlineData("turn:ers.example?transport=tcp", "ers.example", 3478, false)]
    [InlineData("turns:ers.example:443?transport=tcp", "ers.example", 443, true)]
    [InlineData("turns:ers.example", "ers.example", 5349, true)]
    [InlineData("turn:ers.example:3478", null, 0, false)]
    [InlineData("turn:ers.example:3478?transport=udp", null, 0, false)]
    [InlineData("stun:ers.example", null, 0, false)]
    [InlineData("turns:ers.example:0", null, 0, false)]
    public void Turn_stream_urls_become_relay_options(string url, string? host, int port, bool tls)
    {
        var entry = System.Text.Json.JsonSerializer.SerializeToElement(new { url, username = "1700000000:x", credential = "c" });
        var options = IceServerUrl.TryParseTurnStream(entry, allowUntrustedCertificate: false);
        if (host is null)
        {
            Assert.Null(options);
            return;
        }

        Assert.NotNull(options);
        Assert.Equal((host, port, tls, "1700000000:x", "c"), (options.Host, options.Port, options.Tls, options.Username, options.Password));
    }
}
