using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>RTSP ingest (issue 12): anyone could ANNOUNCE any name; names were unbounded.</summary>
internal static class RtspProbes
{
    private const string Sdp =
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=probe\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n";

    public static IEnumerable<Probe> All => [PublishKeys, LongName];

    private static Probe PublishKeys => new(
        $"RTSP: with Ingest:PublishKeys set, an ANNOUNCE of {AdversarialRig.KeyedStream} without credentials gets a 401 Digest challenge, with a wrong key 403 and a log line; with the key, 200",
        async (rig, token) =>
        {
            var challenged = await NormalClients.RtspAsync(rig, Announce(rig, AdversarialRig.KeyedStream), token, rig.NextAttacker());
            Assert.StartsWith("RTSP/1.0 401 ", challenged, StringComparison.Ordinal);
            Assert.Contains("WWW-Authenticate: Digest ", challenged, StringComparison.Ordinal);
            var refused = await NormalClients.RtspAsync(rig, Announce(rig, AdversarialRig.KeyedStream + "?key=guess"), token, rig.NextAttacker());
            Assert.StartsWith("RTSP/1.0 403 ", refused, StringComparison.Ordinal);
            Assert.Contains($"RTSP publish of {AdversarialRig.KeyedStream} from ", rig.Rig.Log.Tail(20), StringComparison.Ordinal);
            Assert.Contains("refused: wrong publish key or user/password", rig.Rig.Log.Tail(20), StringComparison.Ordinal);
            var keyed = await NormalClients.RtspAsync(
                rig, Announce(rig, $"{AdversarialRig.KeyedStream}?key={AdversarialRig.PublishKey}"), token, rig.NextAttacker());
            Assert.StartsWith("RTSP/1.0 200 ", keyed, StringComparison.Ordinal);
            return $"without the key: {refused[..refused.IndexOf('\n', StringComparison.Ordinal)]}; with it: 200";
        });

    private static Probe LongName => new("RTSP: an ANNOUNCE of a 200,000-character stream name is refused", async (rig, token) =>
    {
        string? response;
        try
        {
            response = await NormalClients.RtspAsync(rig, Announce(rig, new string('n', 200_000)), token, rig.NextAttacker());
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            response = null; // closed while the request was still being sent
        }

        Assert.True(response is null || !response.StartsWith("RTSP/1.0 200 ", StringComparison.Ordinal), response);
        Assert.False(rig.Hub.TryGetStream(new string('n', 200_000), out _));
        return response is null ? "connection closed" : response[..response.IndexOf('\n', StringComparison.Ordinal)];
    });

    private static string Announce(AdversarialRig rig, string name) =>
        $"ANNOUNCE rtsp://{rig.Rtsp}/{name} RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n" +
        $"Content-Length: {Encoding.ASCII.GetByteCount(Sdp)}\r\n\r\n{Sdp}";
}
