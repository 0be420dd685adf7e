using System.Net;
using System.Net.Sockets;
using EmsSharp.Rendezvous.Tests.Turn;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// The STUN/TURN server bundled in the ers (on by default): relays only for the credentials it hands out, and junk on its
/// port does not stop it answering (the normal clients' Bindings over UDP and TCP, after the probe).
/// </summary>
internal static class TurnProbes
{
    private const int JunkDatagrams = 2400;
    private const int JunkConnections = 8;

    public static IEnumerable<Probe> All => [Unauthenticated, Garbage];

    private static Probe Unauthenticated => new("TURN: an Allocate without credentials, then with a guessed one, gets 401 and no relay", async (rig, token) =>
    {
        using var client = new TurnUdpTestClient(rig.Turn.Port, $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}:guessed", "guessed");
        Assert.Equal(401, await client.AllocateAsync().WaitAsync(token)); // the first 401 brought the nonce; the second is final
        Assert.Null(client.Relay);
        return "401, 401";
    });

    private static Probe Garbage => new(
        $"TURN: {JunkDatagrams} junk datagrams and {JunkConnections} junk TCP connections to the STUN/TURN port; Bindings are still answered",
        async (rig, token) =>
        {
            var random = new Random(3478);
            using (var udp = new UdpClient(new IPEndPoint(rig.NextAttacker(), 0)))
            {
                foreach (var datagram in Junk.Datagrams(random, JunkDatagrams))
                    await udp.SendAsync(datagram, rig.Turn, token);
            }

            var from = rig.NextAttacker();
            foreach (var junk in Junk.Datagrams(random, JunkConnections * 4).Where(d => d.Length > 0).Take(JunkConnections))
            {
                using var tcp = new TcpClient(new IPEndPoint(from, 0));
                await tcp.ConnectAsync(rig.Turn, token);
                await tcp.GetStream().WriteAsync(junk, token);
            }

            return $"{JunkDatagrams} datagrams, {JunkConnections} TCP connections";
        });
}
