using System.Text.Json;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>The real socket.io-client@0.9.16 (node) against an in-process <c>ers</c>.</summary>
public class SocketIoClientInteropTests
{
    internal static Task<ErsHost> StartErsAsync(Action<ErsOptions>? configure = null)
    {
        ErsOptions options = new();
        options.Server.Port = 0;
        options.Server.AdminPort = 0;
        options.Server.BindIP = "127.0.0.1";
        options.Turn.Port = 0; // the bundled STUN/TURN server on a free port, as the other listeners
        options.Turn.TlsPort = 0;
        options.StateFile = null; // no admin state shared between test runs through the test's bin folder
        options.Server.WebServerEnabled = false;
        configure?.Invoke(options);
        return ErsHost.StartAsync(options, null, NullLoggerFactory.Instance);
    }

    private static Task<(NodePeer Peer, string Id)> ConnectAsync(ErsHost ers) => NodePeer.ConnectSocketIoAsync(ers.Port);

    private static Task<JsonElement> JoinAsync(NodePeer peer, string room, object opts) => peer.JoinAsync(room, opts);

    [Fact]
    public async Task RealClient_ConnectsJoinsRelaysAndSeesRemove()
    {
        await using ErsHost ers = await StartErsAsync(o =>
        {
            o.StunServers.Add(JsonSerializer.SerializeToElement(new { url = "stun:stun.example:3478" }));
            o.TurnServers.Add(JsonSerializer.SerializeToElement(new { url = "turn:t.example:3478", secret = "k" }));
        });
        var (ems, emsId) = await ConnectAsync(ers);
        await using NodePeer emsPeer = ems;
        Assert.Equal("stun:stun.example:3478", (await ems.WaitAsync("stunservers")).GetProperty("data")[0].GetProperty("url").GetString());
        JsonElement turn = (await ems.WaitAsync("turnservers")).GetProperty("data")[0];
        Assert.True(turn.TryGetProperty("credential", out _));

        var (b1, b1Id) = await ConnectAsync(ers);
        await using NodePeer b1Peer = b1;
        var (b2, b2Id) = await ConnectAsync(ers);
        await using NodePeer b2Peer = b2;
        var (stranger, strangerId) = await ConnectAsync(ers);
        await using NodePeer strangerPeer = stranger;

        // A browser in a room without an EMS gets {"clients":{}}.
        Assert.Equal("[null,{\"clients\":{}}]", (await JoinAsync(b1, "room", new { token = "", streamName = "s1", transport = "fmp4" })).GetRawText());
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems, "room", new { role = "ems", token = "", name = "evostreamms" }))[0].ValueKind);
        Assert.Equal(b1Id, (await ems.WaitAsync("clientJoined")).GetProperty("data").GetProperty("id").GetString());
        JsonElement ack = await JoinAsync(b2, "room", new { token = "", streamName = "s2", transport = "srtp" });
        Assert.True(ack[1].GetProperty("clients").GetProperty(emsId).GetProperty("ems").GetBoolean());
        JsonElement joined = (await ems.WaitAsync("clientJoined", e => e.GetProperty("data").GetProperty("id").GetString() == b2Id)).GetProperty("data");
        Assert.Equal("s2", joined.GetProperty("streamName").GetString());
        await JoinAsync(stranger, "other-room", new { streamName = "x" });

        // Relayed only to the addressee, with from added; nothing crosses rooms.
        await ems.SendAsync(new { cmd = "message", msg = new { to = b2Id, sid = "1", roomType = "video", type = "offer", payload = new { type = "offer", sdp = "v=0" }, prefix = "webkit" } });
        JsonElement offer = (await b2.WaitAsync("message")).GetProperty("data");
        Assert.Equal(emsId, offer.GetProperty("from").GetString());
        Assert.Equal("v=0", offer.GetProperty("payload").GetProperty("sdp").GetString());
        await stranger.SendAsync(new { cmd = "message", msg = new { to = b1Id, type = "candidate", payload = "bad" } });
        await b2.SendAsync(new { cmd = "message", msg = new { to = emsId, type = "answer", payload = new { type = "answer", sdp = "a" } } });
        JsonElement answer = (await ems.WaitAsync("message")).GetProperty("data");
        Assert.Equal(b2Id, answer.GetProperty("from").GetString());
        Assert.True(b1.HasNo("message"));

        // The peer drops: the room hears remove.
        await b2.SendAsync(new { cmd = "exit" });
        JsonElement remove = (await ems.WaitAsync("remove")).GetProperty("data");
        Assert.Equal(b2Id, remove.GetProperty("id").GetString());
        Assert.Equal(b2Id, (await b1.WaitAsync("remove")).GetProperty("data").GetProperty("id").GetString());
        Assert.True(b1.HasNo("message"));
        Assert.True(stranger.HasNo("remove"));
        Assert.True(stranger.HasNo("message"));
        _ = strangerId;
    }

    [Fact]
    public async Task RealClient_SecondEmsRefused()
    {
        await using ErsHost ers = await StartErsAsync();
        var (ems1, _) = await ConnectAsync(ers);
        await using NodePeer first = ems1;
        var (ems2, _) = await ConnectAsync(ers);
        await using NodePeer second = ems2;
        Assert.Equal(JsonValueKind.Null, (await JoinAsync(ems1, "r", new { role = "ems" }))[0].ValueKind);
        Assert.Equal("room taken", (await JoinAsync(ems2, "r", new { role = "ems" }))[0].GetString());
    }
}
