using System.Net;
using System.Net.WebSockets;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>WS-FMP4 (issue 12): anyone could watch any stream; read keys close a stream to viewers without its key.</summary>
internal static class WsFmp4Probes
{
    public static IEnumerable<Probe> All => [ReadKeys];

    private static Probe ReadKeys => new(
        $"WS-FMP4: with WsFmp4:ReadKeys set, a viewer of {AdversarialRig.KeyedStream} without the key gets 401, with a wrong one 403, both before the upgrade; with the key it is upgraded",
        async (rig, token) =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeAsync(rig, AdversarialRig.KeyedStream, token));
            Assert.Contains($"refused for {AdversarialRig.KeyedStream}: a read key is required", rig.Rig.Log.Tail(20), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync(rig, AdversarialRig.KeyedStream + "?progressive&key=guess", token));
            Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(rig, $"{AdversarialRig.KeyedStream}?key={AdversarialRig.ReadKey}", token));
            return "no key: 401 (logged; the next refusals within 10 s are counted, not logged), wrong key: 403, the key: 101";
        });

    /// <summary>The status of a WebSocket upgrade to <paramref name="pathAndQuery"/> (the socket is closed at once).</summary>
    private static async Task<HttpStatusCode> UpgradeAsync(AdversarialRig rig, string pathAndQuery, CancellationToken token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{rig.WsFmp4}/{pathAndQuery}"), token);
        }
        catch (WebSocketException)
        {
            // refused before the upgrade: the status says why
        }

        return socket.HttpStatusCode;
    }
}
