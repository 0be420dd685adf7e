using System.Text.Json;
using EmsSharp.Interop.Tests.Rendezvous;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// Issue 17, several ems per room (<c>server.multiEmsRooms</c>) in a cluster: two ems on two nodes in one room, browsers
/// on both nodes handed to one or the other by the rule, which Redis applies from what every node stored there.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ErsClusterMultiEmsTests
{
    private static async Task<(NodePeer Peer, string Id)> EmsAsync(ErsProcess node, string instance)
    {
        var (ems, id) = await ErsClusterTests.ConnectAsync(node);
        Assert.Equal(JsonValueKind.Null, (await ErsClusterTests.JoinAsync(ems, "room", new { role = "ems", instance }))[0].ValueKind);
        return (ems, id);
    }

    // Joins a browser; returns the one ems its ack names (after that ems heard clientJoined), or the refusal.
    private static async Task<string> BrowserAsync(NodePeer browser, string browserId, Dictionary<string, NodePeer> emss)
    {
        JsonElement ack = await ErsClusterTests.JoinAsync(browser, "room", new { streamName = "cam" });
        if (ack[0].ValueKind == JsonValueKind.String)
        {
            return ack[0].GetString()!;
        }

        string ems = Assert.Single(ack[1].GetProperty("clients").EnumerateObject()).Name;
        await ErsClusterTests.JoinedAsync(emss[ems], browserId);
        return ems;
    }

    private static async Task ReportAsync(NodePeer ems, bool full)
    {
        await ems.SendAsync(new { cmd = "emit", name = "emsLoad", arg = new { viewers = 2, maxViewers = 2, cpu = 5.0, kbps = 100, streams = new[] { "cam" }, full } });
        await ems.WaitAsync("ack", e => e.GetProperty("name").GetString() == "emsLoad");
    }

    [Fact]
    public async Task Two_ems_on_two_nodes_split_the_browsers_of_both_nodes_and_share_their_load()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration, multiEmsRooms: true);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration, multiEmsRooms: true);
        var (emsA, emsAId) = await EmsAsync(a, "ems-a");
        await using NodePeer emsAPeer = emsA;
        var (emsB, emsBId) = await EmsAsync(b, "ems-b");
        await using NodePeer emsBPeer = emsB;
        Dictionary<string, NodePeer> emss = new() { [emsAId] = emsA, [emsBId] = emsB };

        // Four browsers, two on each node: two to each ems, whichever node each is on.
        List<(NodePeer Peer, string Id, string Ems)> browsers = [];
        for (int i = 0; i < 4; i++)
        {
            var (browser, id) = await ErsClusterTests.ConnectAsync(i % 2 == 0 ? a : b);
            browsers.Add((browser, id, await BrowserAsync(browser, id, emss)));
        }

        try
        {
            Assert.Equal(2, browsers.Count(x => x.Ems == emsAId));
            Assert.Equal(2, browsers.Count(x => x.Ems == emsBId));

            // ems A reports itself full on node A: a browser on node B goes to ems B; both full, "room full".
            await ReportAsync(emsA, full: true);
            var (fifth, fifthId) = await ErsClusterTests.ConnectAsync(b);
            browsers.Add((fifth, fifthId, await BrowserAsync(fifth, fifthId, emss)));
            Assert.Equal(emsBId, browsers[^1].Ems);
            await ReportAsync(emsB, full: true);
            var (sixth, sixthId) = await ErsClusterTests.ConnectAsync(a);
            browsers.Add((sixth, sixthId, string.Empty));
            Assert.Equal("room full", await BrowserAsync(sixth, sixthId, emss));

            // ems A goes: every browser hears remove; one of its browsers joins again and is handed to ems B.
            await ReportAsync(emsB, full: false);
            await emsA.SendAsync(new { cmd = "exit" });
            int moved = browsers.FindIndex(x => x.Ems == emsAId);
            var (peer, id, _) = browsers[moved];
            Assert.Equal(emsAId, (await peer.WaitAsync("remove")).GetProperty("data").GetProperty("id").GetString());
            await peer.SendAsync(new { cmd = "leave" });
            browsers[moved] = (peer, id, await BrowserAsync(peer, id, emss));
            Assert.Equal(emsBId, browsers[moved].Ems);

            // The same ems B back on a new socket through node A (its instance) takes its place and is offered its
            // browsers (none waits: ems A's other browser is still in the room, its ems gone, so it is handed over too);
            // its old socket on node B is dropped.
            var (back, _) = await ErsClusterTests.ConnectAsync(a);
            browsers.Add((back, string.Empty, string.Empty));
            JsonElement backAck = await ErsClusterTests.JoinAsync(back, "room", new { role = "ems", instance = "ems-b" });
            Assert.Equal(JsonValueKind.Null, backAck[0].ValueKind);
            string[] expected = [.. browsers.Where(x => x.Ems == emsBId || x.Ems == emsAId).Select(x => x.Id).Order(StringComparer.Ordinal)];
            Assert.Equal(expected, backAck[1].GetProperty("clients").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            await emsB.WaitAsync("disconnect");
        }
        finally
        {
            foreach (var (peer, _, _) in browsers)
            {
                await peer.DisposeAsync();
            }
        }
    }
}
