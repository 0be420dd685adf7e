using System.Net;
using System.Text;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// Slot exhaustion (issue 12: 300 idle or half-sent connections locked normal clients out; RTMP's idle timer restarted on
/// every byte): one address holds 300 connections on a listener, or trickles requests a byte at a time on every TCP
/// listener at once, while a normal client from another address must be served. Real timeouts are not waited out.
/// </summary>
internal static class SlotProbes
{
    private const int Held = 300;
    private const int Trickling = 32; // the per-address cap of the ems listeners that have one
    private const int TrickleRounds = 10;

    /// <summary>Each TCP listener with its normal client and the start of a request its attackers send and never finish.</summary>
    private static readonly Target[] Targets =
    [
        new(NormalClients.Rtmp, r => r.Rtmp, [3, .. new byte[700]]), // C0 and half of C1
        new(NormalClients.Rtsp, r => r.Rtsp, Ascii("OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n")),
        new(NormalClients.AsciiCli, r => r.AsciiCli, Ascii("startWebrtc ersip=10.0.0.1 ersport=")),
        new(NormalClients.JsonCli, r => r.JsonCli, Ascii("startWebrtc ersip=10.0.0.1 ersport=")),
        new(NormalClients.HttpApi, r => r.HttpApi, Ascii("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n")),
        new(NormalClients.WsFmp4, r => r.WsFmp4, Ascii("GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")),
        new(NormalClients.ErsSignalling, r => r.ErsSignalling, Ascii("GET /socket.io/1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")),
        new(NormalClients.ErsAdmin, r => r.ErsAdmin, Ascii("GET /?c=version HTTP/1.1\r\nHost: 127.0.0.1\r\n")),
        new(NormalClients.TurnTcp, r => r.Turn, [0, 1, 0, 8, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3]), // a Binding header, cut short
    ];

    public static IEnumerable<Probe> All => [.. Targets.Select(Hold), TrickleEverywhere];

    private static Probe Hold(Target target) => new(
        $"{target.Client.Listener}: {Held} idle or half-sent connections from one address, another address served",
        async (rig, token) =>
        {
            using var slow = await SlowClients.OpenAsync(target.EndPoint(rig), rig.NextAttacker(), Held, target.Start, trickle: false, token);
            await target.Client.ServeAsync(rig, token);
            return $"{slow.ClosedByServer(rig.Replies, target.Client.Listener)} of {Held} closed by the server";
        });

    private static Probe TrickleEverywhere => new(
        $"every TCP listener: {Trickling} connections each trickling a request a byte at a time, another address served after each byte",
        async (rig, token) =>
        {
            var trickling = new List<SlowClients>();
            try
            {
                foreach (var target in Targets)
                    trickling.Add(await SlowClients.OpenAsync(target.EndPoint(rig), rig.NextAttacker(), Trickling, target.Start, trickle: true, token));
                for (var round = 0; round < TrickleRounds; round++)
                {
                    foreach (var slow in trickling)
                        await slow.TrickleAsync(token);
                    foreach (var target in Targets)
                        await target.Client.ServeAsync(rig, token);
                }

                var closed = trickling.Select((slow, i) => slow.ClosedByServer(rig.Replies, Targets[i].Client.Listener)).Sum();
                return $"{TrickleRounds} bytes on each of {Targets.Length} x {Trickling} connections, {closed} closed by the servers";
            }
            finally
            {
                foreach (var slow in trickling)
                    slow.Dispose();
            }
        })
    {
        Timeout = TimeSpan.FromSeconds(40),
    };

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private sealed record Target(NormalClient Client, Func<AdversarialRig, IPEndPoint> EndPoint, byte[] Start);
}
