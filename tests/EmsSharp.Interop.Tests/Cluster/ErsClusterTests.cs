using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EmsSharp.Interop.Tests.Rendezvous;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// Issue 17: several <c>ers</c> processes on one real redis-server share their rooms; the real socket.io-client@0.9.16
/// (node) works against any node; a node killed loses only its own sockets; Redis stopped mid-run leaves each node
/// serving its own sockets, and the cluster heals when Redis returns.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ErsClusterTests
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(15);

    internal static Task<(NodePeer Peer, string Id)> ConnectAsync(ErsProcess node) => NodePeer.ConnectSocketIoAsync(node.Port);

    internal static Task<JsonElement> JoinAsync(NodePeer peer, string room, object opts) => peer.JoinAsync(room, opts);

    internal static Task<JsonElement> JoinedAsync(NodePeer ems, string browserId) =>
        ems.WaitAsync("clientJoined", e => e.GetProperty("data").GetProperty("id").GetString() == browserId);

    // An ems (instance "ems-one") in "room" through emsNode, and a viewer of "s" through viewerNode, offered to it.
    private static async Task<(NodePeer Ems, string EmsId, NodePeer Viewer, string ViewerId)> RoomAsync(ErsProcess emsNode, ErsProcess viewerNode)
    {
        var (ems, emsId) = await ConnectAsync(emsNode);
        var (viewer, viewerId) = await ConnectAsync(viewerNode);
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems, "room", new { role = "ems", instance = "ems-one" }))[0].ValueKind);
        await JoinAsync(viewer, "room", new { streamName = "s" });
        await JoinedAsync(ems, viewerId);
        return (ems, emsId, viewer, viewerId);
    }

    private static async Task RelaysAsync(NodePeer from, string fromId, NodePeer to, string toId, string sdp)
    {
        await from.SendAsync(new { cmd = "message", msg = new { to = toId, type = "offer", payload = new { type = "offer", sdp } } });
        JsonElement message = (await to.WaitAsync("message", e => e.GetProperty("data").GetProperty("payload").GetProperty("sdp").GetString() == sdp)).GetProperty("data");
        Assert.Equal(fromId, message.GetProperty("from").GetString());
    }

    [Fact]
    public async Task Two_nodes_share_a_room_for_the_real_socket_io_client()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        var (ems, emsId) = await ConnectAsync(a);
        await using NodePeer emsPeer = ems;
        var (b1, b1Id) = await ConnectAsync(b);
        await using NodePeer b1Peer = b1;
        var (b2, b2Id) = await ConnectAsync(a);
        await using NodePeer b2Peer = b2;
        var (other, _) = await ConnectAsync(b);
        await using NodePeer otherPeer = other;

        // A browser waiting on node B is offered to the EMS that joins on node A, and the EMS's ack lists it.
        Assert.Equal("[null,{\"clients\":{}}]", (await JoinAsync(b1, "room", new { streamName = "s1", transport = "fmp4" })).GetRawText());
        JsonElement emsAck = await JoinAsync(ems, "room", new { role = "ems", instance = "ems-one" });
        Assert.Equal(JsonValueKind.Null, emsAck[0].ValueKind);
        Assert.False(emsAck[1].GetProperty("clients").GetProperty(b1Id).GetProperty("ems").GetBoolean());
        Assert.Equal("s1", (await JoinedAsync(ems, b1Id)).GetProperty("data").GetProperty("streamName").GetString());

        // A browser joining on node A meets the EMS at once, as on one ERS.
        JsonElement b2Ack = await JoinAsync(b2, "room", new { streamName = "s2", transport = "srtp" });
        Assert.True(b2Ack[1].GetProperty("clients").GetProperty(emsId).GetProperty("ems").GetBoolean());
        await JoinedAsync(ems, b2Id);

        // Messages cross the nodes both ways, with from added, to the addressee only.
        await RelaysAsync(ems, emsId, b1, b1Id, "v=0 offer to b1");
        await RelaysAsync(b1, b1Id, ems, emsId, "v=0 answer from b1");
        Assert.True(b2.HasNo("message"));

        // One EMS per room across the cluster: a second one on node B is refused.
        Assert.Equal("room taken", (await JoinAsync(other, "room", new { role = "ems", instance = "ems-two" }))[0].GetString());

        // A browser on node B leaves: the EMS and the browser on node A hear remove.
        await b1.SendAsync(new { cmd = "exit" });
        Assert.Equal(b1Id, (await ems.WaitAsync("remove")).GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(b1Id, (await b2.WaitAsync("remove")).GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_socket_handshaken_on_one_node_opens_on_another_and_only_once()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        using HttpClient http = new();

        // No sticky sessions: a load balancer may send the handshake to A and the websocket to B (socket.io-spec: the
        // handshake's session id names the transport's URL).
        string handshake = await http.GetStringAsync(new Uri($"http://127.0.0.1:{a.Port}/socket.io/1/"));
        string sid = handshake.Split(':')[0];
        using ClientWebSocket onB = await OpenAsync(b, sid);
        Assert.Equal("1::", await ReceiveAsync(onB));

        // The session opened once: the same id on A is refused as not handshaken (socket.io-spec "(7) Error").
        using ClientWebSocket onA = await OpenAsync(a, sid);
        Assert.Equal("7:::1+0", await ReceiveAsync(onA));
    }

    [Fact]
    public async Task A_killed_node_loses_only_its_own_sockets_and_the_same_ems_is_back_at_once_through_another()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        var (ems, _, viewer, viewerId) = await RoomAsync(a, b);
        await using NodePeer emsPeer = ems;
        await using NodePeer viewerPeer = viewer;

        a.Dispose(); // SIGKILL: node A tells Redis nothing
        await ems.WaitAsync("disconnect");

        // The same ems (its instance) comes back through node B and takes its room over at once, although node A's
        // liveness key has not expired yet; the viewer on node B, which lost nothing, is offered to it again.
        var watch = Stopwatch.StartNew();
        var (back, backId) = await ConnectAsync(b);
        await using NodePeer backPeer = back;
        JsonElement ack = await JoinAsync(back, "room", new { role = "ems", instance = "ems-one" });
        watch.Stop();
        Assert.Equal(JsonValueKind.Null, ack[0].ValueKind);
        Assert.True(ack[1].GetProperty("clients").TryGetProperty(viewerId, out _));
        await JoinedAsync(back, viewerId);
        await RelaysAsync(viewer, viewerId, back, backId, "v=0 to the ems back");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the ems was back in its room {watch.ElapsedMilliseconds} ms after it reconnected");

        // Node B notices node A is gone (no beat for 10 s) and takes node A's members out of their rooms, without a word
        // to the room: the viewer hears no remove for the old ems socket.
        await b.Process.WaitForLineAsync("is gone", TimeSpan.FromSeconds(30));
        Assert.True(viewer.HasNo("remove"));

        // Another ems is still refused: the room is held.
        var (second, _) = await ConnectAsync(b);
        await using NodePeer secondPeer = second;
        Assert.Equal("room taken", (await JoinAsync(second, "room", new { role = "ems", instance = "ems-two" }))[0].GetString());
    }

    [Fact]
    public async Task With_Redis_stopped_each_node_serves_its_own_sockets_and_the_cluster_heals_when_it_returns()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        var (ems, emsId, local, localId) = await RoomAsync(a, a);
        await using NodePeer emsPeer = ems;
        await using NodePeer localPeer = local;

        redis.Stop();
        await a.Process.WaitForLineAsync("ERS cluster degraded", LogWait);

        // Node A goes on serving its own sockets: relays within it, and a new browser joining it meets its EMS.
        await RelaysAsync(ems, emsId, local, localId, "v=0 while Redis is down");
        var (late, lateId) = await ConnectAsync(a);
        await using NodePeer latePeer = late;
        Assert.True((await JoinAsync(late, "room", new { streamName = "s" }))[1].GetProperty("clients").TryGetProperty(emsId, out _));
        await JoinedAsync(ems, lateId);

        // Redis comes back empty: both nodes say so and write their members in again, so a browser joining on node B
        // meets node A's EMS and talks to it.
        await redis.StartAgainAsync();
        await a.Process.WaitForLineAsync("ERS cluster healed", LogWait);
        await b.Process.WaitForLineAsync("ERS cluster healed", LogWait);
        var (remote, remoteId) = await ConnectAsync(b);
        await using NodePeer remotePeer = remote;
        Assert.True((await JoinAsync(remote, "room", new { streamName = "s" }))[1].GetProperty("clients").TryGetProperty(emsId, out _));
        await JoinedAsync(ems, remoteId);
        await RelaysAsync(remote, remoteId, ems, emsId, "v=0 after Redis returned");
    }

    [Fact]
    public async Task A_node_started_while_Redis_is_down_serves_alone_and_joins_the_cluster_when_Redis_starts()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        redis.Stop();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        await a.Process.WaitForLineAsync("ERS cluster degraded", LogWait);
        var (ems, emsId) = await ConnectAsync(a);
        await using NodePeer emsPeer = ems;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems, "room", new { role = "ems", instance = "ems-one" }))[0].ValueKind);

        await redis.StartAgainAsync();
        await a.Process.WaitForLineAsync("ERS cluster healed", LogWait);
        await b.Process.WaitForLineAsync("ERS cluster healed", LogWait);
        var (viewer, viewerId) = await ConnectAsync(b);
        await using NodePeer viewerPeer = viewer;
        Assert.True((await JoinAsync(viewer, "room", new { streamName = "s" }))[1].GetProperty("clients").TryGetProperty(emsId, out _));
        await JoinedAsync(ems, viewerId);
        await RelaysAsync(ems, emsId, viewer, viewerId, "v=0 from a node that started alone");
    }

    private static async Task<ClientWebSocket> OpenAsync(ErsProcess node, string sid)
    {
        ClientWebSocket socket = new();
        using CancellationTokenSource timeout = new(NodePeer.Timeout);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port}/socket.io/1/websocket/{sid}"), timeout.Token);
        return socket;
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        byte[] buffer = new byte[4096];
        using CancellationTokenSource timeout = new(NodePeer.Timeout);
        WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}

/// <summary>The cluster tests run one at a time: each starts a Redis and two or more ers processes.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection
{
    public const string Name = "ers cluster";
}
