using System.Text;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// Datagrams no peer should send, in rotation (RFC 7983's first-byte ranges, so each reaches every branch of a demux):
/// random bytes, a STUN request cut short, a STUN header declaring more than follows, a check naming a session that does
/// not exist, DTLS- and RTP-looking records, TURN ChannelData to no channel, an empty datagram.
/// </summary>
internal static class Junk
{
    private const int Kinds = 8;

    public static IEnumerable<byte[]> Datagrams(Random random, int count)
    {
        var request = new StunBindingClient(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0), TimeSpan.Zero, TimeSpan.FromSeconds(1)).Request;
        for (var i = 0; i < count; i++)
        {
            yield return (i % Kinds) switch
            {
                0 => Random(random, random.Next(1, 1400)),
                1 => request[..random.Next(1, request.Length)],
                2 => [0x00, 0x01, 0xFF, 0xFC, 0x21, 0x12, 0xA4, 0x42, .. Random(random, 12 + random.Next(0, 64))],
                3 => CheckForNobody(random),
                4 => [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, (byte)random.Next(256), (byte)random.Next(256), .. Random(random, random.Next(0, 200))],
                5 => [0x80, (byte)random.Next(256), .. Random(random, random.Next(0, 1200))],
                6 => [0x40, 0x00, 0x04, 0x00, .. Random(random, random.Next(0, 100))],
                _ => [],
            };
        }
    }

    /// <summary>A complete RFC 4571 frame (2-byte length, then the packet) that is not a STUN check.</summary>
    public static byte[] TcpFrame(Random random) => [0x00, 0x40, .. Random(random, 0x40)];

    private static byte[] Random(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A connectivity check with integrity and fingerprint whose USERNAME names no live session.</summary>
    private static byte[] CheckForNobody(Random random)
    {
        var check = new StunMessage(StunClass.Request, StunMessage.BindingMethod, StunMessage.NewTransactionId())
        {
            IntegrityKey = Encoding.ASCII.GetBytes("not-the-password-" + random.Next()),
            AddFingerprint = true,
        };
        check.AddUsername("nobody:" + random.Next());
        return check.ToArray();
    }
}
