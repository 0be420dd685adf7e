using CsCheck;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

/// <summary>Seeded CsCheck fuzzing of the RTSP stream parser, Transport and SDP parsing: never throws, never over-reads.</summary>
public class RtspFuzzTests
{
    private const string Seed = "0R7spFuzz001";

    private static readonly byte[][] Fragments =
    [
        "OPTIONS * RTSP/1.0\r\n"u8.ToArray(), "RTSP/1.0 200 OK\r\n"u8.ToArray(), "CSeq: 1\r\n"u8.ToArray(),
        "Content-Length: 4\r\n"u8.ToArray(), "Content-Length: 99999\r\n"u8.ToArray(), "\r\n"u8.ToArray(), "\r\n\r\n"u8.ToArray(),
        "$\u0000\u0000\u0004"u8.ToArray(), "$\u0001\u00ff\u00ff"u8.ToArray(), "Transport: RTP/AVP;client_port=1-2\r\n"u8.ToArray(),
        ":"u8.ToArray(), " "u8.ToArray(), [0], [0xFF], [(byte)'\n'],
    ];

    [Fact]
    public void Stream_parser_never_throws_and_consumes_within_the_input()
    {
        var piece = Gen.Frequency((3, Gen.Int[0, Fragments.Length - 1].Select(i => Fragments[i])), (1, Gen.Byte.Array[0, 16]));
        var gen = piece.Array[0, 24].Select(parts => parts.SelectMany(p => p).ToArray());
        var limits = new RtspLimits { MaxHeaderBytes = 512, MaxBodyBytes = 1024 };
        gen.Sample(
            bytes =>
            {
                ReadOnlySpan<byte> input = bytes;
                for (int guard = 0; guard < 64 && !input.IsEmpty; guard++)
                {
                    var status = RtspStreamParser.Read(input, limits, out var message, out _, out var consumed);
                    if (status is RtspReadStatus.NeedMore or RtspReadStatus.Invalid)
                    {
                        return;
                    }

                    Assert.InRange(consumed, 1, input.Length);
                    if (message is not null)
                    {
                        // What parses re-serializes and parses to the same start line and headers.
                        var again = message.ToArray();
                        Assert.Equal(RtspReadStatus.Message, RtspStreamParser.Read(again, RtspLimits.Default, out var reread, out _, out _));
                        Assert.Equal((message.Method, message.Uri, message.StatusCode, message.Headers.Count),
                            (reread!.Method, reread.Uri, reread.StatusCode, reread.Headers.Count));
                    }

                    input = input[consumed..];
                }
            },
            seed: Seed,
            iter: 20_000,
            threads: 1);
    }

    [Fact]
    public void Transport_and_sdp_parsers_never_throw()
    {
        var text = Gen.String[Gen.Char["RTP/AVPTCUDPSm=a=rtpmapfmtpcontrol:;,-=0123456789 \r\nvideoaudioH264"], 0, 200];
        text.Sample(
            value =>
            {
                RtspTransport.TryParse(value, out _);
                if (RtspSessionDescription.TryParse(value, out var sdp))
                {
                    Assert.InRange(sdp.Media.Count, 1, RtspSessionDescription.MaxMedia);
                }

                RtspAuthenticator.ParseParameters(value);
            },
            seed: Seed,
            iter: 20_000,
            threads: 1);
    }
}
