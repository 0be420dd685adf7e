using System.Net;
using System.Text.Json;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Tests.Turn;

public sealed class TurnHandoutTests
{
    [Fact]
    public async Task Empty_ice_config_hands_out_the_bundled_server_with_working_socket_bound_credentials()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        Assert.NotNull(ers.TurnPort);
        SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement stun = await client.NextEventAsync("stunservers");
        Assert.Equal($"stun:127.0.0.1:{ers.TurnPort}", stun[0].GetProperty("url").GetString());
        JsonElement turn = await client.NextEventAsync("turnservers");
        Assert.Equal(2, turn.GetArrayLength()); // no TLS without server.secure
        Assert.Equal($"turn:127.0.0.1:{ers.TurnPort}?transport=udp", turn[0].GetProperty("url").GetString());
        Assert.Equal($"turn:127.0.0.1:{ers.TurnPort}?transport=tcp", turn[1].GetProperty("url").GetString());
        string username = turn[0].GetProperty("username").GetString()!;
        string credential = turn[0].GetProperty("credential").GetString()!;
        Assert.EndsWith(":" + client.Sid, username, StringComparison.Ordinal);

        using (TurnUdpTestClient turnClient = new(ers.TurnPort!.Value, username, credential))
        {
            Assert.Equal(0, await turnClient.AllocateAsync());
            Assert.Equal(IPAddress.Loopback, turnClient.Relay!.Address);
            // The default policy forbids loopback peers.
            Assert.Equal(403, await turnClient.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 9)));
        }

        // The credential is bound to its socket: once the socket is gone it no longer works.
        await client.DisposeAsync();
        await ers.State.Sessions.WhenReleased(client.Sid).WaitAsync(TimeSpan.FromSeconds(10));
        using TurnUdpTestClient late = new(ers.TurnPort!.Value, username, credential);
        Assert.Equal(401, await late.AllocateAsync());
    }

    [Fact]
    public async Task Configured_ice_servers_pass_through_and_the_bundled_server_is_not_handed_out()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
            o.StunServers.Add(JsonSerializer.SerializeToElement(new { url = "stun:stun.example:3478" })));
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("stun:stun.example:3478", (await client.NextEventAsync("stunservers"))[0].GetProperty("url").GetString());
        Assert.Equal(0, (await client.NextEventAsync("turnservers")).GetArrayLength());
    }

    [Fact]
    public async Task Turn_disabled_binds_nothing()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Turn.Enabled = false);
        Assert.Null(ers.TurnPort);
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(0, (await client.NextEventAsync("turnservers")).GetArrayLength());
    }

    [Theory]
    [InlineData("{\"turn\":{\"allowedPeerRanges\":[\"not-a-cidr\"]}}", "not CIDR")]
    [InlineData("{\"turn\":{\"relayPortMin\":60000,\"relayPortMax\":50000}}", "relayPortMin")]
    [InlineData("{\"turn\":{\"externalAddress\":\"example.com\"}}", "externalAddress")]
    [InlineData("{\"turn\":{\"port\":70000}}", "turn.port")]
    public void Bad_turn_config_is_refused_at_load_with_a_clear_error(string json, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ers-turn-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => ErsOptions.Load(path));
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
