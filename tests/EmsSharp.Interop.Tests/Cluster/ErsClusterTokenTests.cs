using System.Text.Json;
using EmsSharp.Interop.Tests.Rendezvous;
using static EmsSharp.Interop.Tests.Cluster.ErsClusterTests;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// Issue 17: the ers nodes on one real redis-server share viewer tokens (with their use), EMS tokens and allowed rooms:
/// an admin API call on one node is in force on the other for the real socket.io-client@0.9.16 (node), a viewer token
/// binds to one client across the cluster, and with Redis stopped each node goes on checking joins against its last copy.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ErsClusterTokenTests
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(15);

    private static async Task<JsonElement> AdminAsync(ErsProcess node, string query)
    {
        using HttpClient http = new();
        return JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{node.AdminPort}/?{query}"))).RootElement.Clone();
    }

    private static async Task ChangeAsync(ErsProcess node, string query)
    {
        JsonElement reply = await AdminAsync(node, query);
        Assert.True(reply.GetProperty("status").GetString() == "SUCCESS", $"{query} on {node.Process.Name}: {reply}");
    }

    private static async Task<string?> RefusalAsync(ErsProcess node, string room, object opts)
    {
        var (peer, _) = await ConnectAsync(node);
        await using NodePeer _ = peer;
        JsonElement error = (await JoinAsync(peer, room, opts))[0];
        return error.ValueKind == JsonValueKind.Null ? null : error.GetString();
    }

    [Fact]
    public async Task Admin_changes_on_one_node_are_in_force_on_the_other_and_a_viewer_token_binds_once_for_the_cluster()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration, tokensEnabled: true);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration, tokensEnabled: true);
        await a.Process.WaitForLineAsync("(at start) filled Redis in with the admin state from its configuration", LogWait);
        await b.Process.WaitForLineAsync("(at start) took the admin state from Redis", LogWait);

        await ChangeAsync(a, "c=addEMSToken&i=ems-secret&room=cam");
        await ChangeAsync(a, "c=addRoom&i=cam");
        await ChangeAsync(a, "c=addToken&i=viewer-one");

        // On node B: the room added on A is the only one allowed, and the EMS token added on A lets the ems in.
        Assert.Equal("room not allowed", await RefusalAsync(b, "elsewhere", new { streamName = "s" }));
        Assert.Equal("invalid token", await RefusalAsync(b, "cam", new { role = "ems", token = "not-it" }));
        var (ems, _) = await ConnectAsync(b);
        await using NodePeer emsPeer = ems;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems, "cam", new { role = "ems", token = "ems-secret", instance = "ems-one" }))[0].ValueKind);

        // The viewer token added on A, used on A to reach the EMS on B, binds to that client: another one is refused on B.
        var (viewer, viewerId) = await ConnectAsync(a);
        await using NodePeer viewerPeer = viewer;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(viewer, "cam", new { streamName = "s", token = "viewer-one" }))[0].ValueKind);
        await JoinedAsync(ems, viewerId);
        Assert.Equal("invalid token", await RefusalAsync(b, "cam", new { streamName = "s", token = "viewer-one" }));
        JsonElement listed = Assert.Single((await AdminAsync(b, "c=listTokens")).GetProperty("data").EnumerateArray());
        Assert.Equal(viewerId, listed.GetProperty("usedBy").GetString());

        // Removed through node B: refused on node A.
        await ChangeAsync(b, "c=delRoom&i=cam");
        Assert.Equal("room not allowed", await RefusalAsync(a, "cam", new { streamName = "s", token = "viewer-one" }));
    }

    [Fact]
    public async Task With_Redis_stopped_joins_are_checked_against_the_last_copy_and_a_token_used_meanwhile_stays_used()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        using ErsProcess a = await ErsProcess.StartAsync("ers-a", redis.Configuration, tokensEnabled: true);
        using ErsProcess b = await ErsProcess.StartAsync("ers-b", redis.Configuration, tokensEnabled: true);
        await b.Process.WaitForLineAsync("(at start) took the admin state from Redis", LogWait);
        await ChangeAsync(a, "c=addEMSToken&i=ems-secret");
        await ChangeAsync(a, "c=addRoom&i=cam");
        await ChangeAsync(a, "c=addToken&i=viewer-one");
        await ChangeAsync(a, "c=addToken&i=viewer-two");
        var (ems, _) = await ConnectAsync(a);
        await using NodePeer emsPeer = ems;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems, "cam", new { role = "ems", token = "ems-secret", instance = "ems-one" }))[0].ValueKind);

        redis.Stop();
        await a.Process.WaitForLineAsync("ERS cluster degraded", LogWait);
        await b.Process.WaitForLineAsync("ERS cluster degraded", LogWait);

        // Both nodes check joins against the state they last had: what A added is in force on B too.
        foreach (ErsProcess node in (ErsProcess[])[a, b])
        {
            Assert.Equal("room not allowed", await RefusalAsync(node, "elsewhere", new { streamName = "s", token = "viewer-one" }));
            Assert.Equal("invalid token", await RefusalAsync(node, "cam", new { streamName = "s", token = "unknown" }));
        }

        Assert.Null(await RefusalAsync(b, "cam", new { streamName = "s", token = "viewer-one" })); // no EMS on B alone: not used up

        // A viewer meets the EMS on A: the token binds there, and an admin change is refused while Redis is away.
        var (viewer, viewerId) = await ConnectAsync(a);
        await using NodePeer viewerPeer = viewer;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(viewer, "cam", new { streamName = "s", token = "viewer-two" }))[0].ValueKind);
        await JoinedAsync(ems, viewerId);
        JsonElement refused = await AdminAsync(b, "c=addToken&i=viewer-three");
        Assert.Equal("FAIL", refused.GetProperty("status").GetString());
        Assert.Contains("Redis does not answer", refused.GetProperty("description").GetString(), StringComparison.Ordinal);

        // Redis comes back empty: a node fills it in again from its copy, and the token used on A while Redis was away is
        // refused to another client on B.
        await redis.StartAgainAsync();
        await a.Process.WaitForLineAsync("(after Redis returned)", LogWait);
        await b.Process.WaitForLineAsync("(after Redis returned)", LogWait);
        Assert.Equal("invalid token", await RefusalAsync(b, "cam", new { streamName = "s", token = "viewer-two" }));
        Assert.Equal("room not allowed", await RefusalAsync(b, "elsewhere", new { streamName = "s", token = "viewer-one" }));
        await ChangeAsync(b, "c=addToken&i=viewer-three");
    }
}
