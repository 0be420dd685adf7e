using System.Net;
using System.Text.Json;
using EmsSharp.Rendezvous.Tests.Turn;
using EmsSharp.Server.Tests.Metrics;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>
/// The ERS's Prometheus endpoint: off by default; when on, <c>GET /metrics</c> on its own listener parses line by line,
/// and its socket, room, relay and TURN figures follow a browser that takes a relay and an EMS, joining a room and talking.
/// </summary>
public sealed class ErsMetricsTests
{
    private static readonly Uri Metrics = new("metrics", UriKind.Relative);

    [Fact]
    public async Task Is_off_by_default()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        Assert.Null(ers.MetricsPort);
    }

    [Fact]
    public async Task Counts_sockets_rooms_members_relayed_messages_and_allocations()
    {
        // Only this test turns the endpoint on, so its meter holds this ERS's figures alone.
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Metrics.Enabled = true;
            o.Metrics.Port = 0;
        });
        Assert.NotNull(ers.MetricsPort);
        using HttpClient http = new() { BaseAddress = new Uri($"http://127.0.0.1:{ers.MetricsPort}/") };
        Dictionary<string, double> before = await PrometheusText.ScrapeAsync(http, Metrics);
        Assert.Equal((0, 0, 0), (before["ers_sockets"], before["ers_rooms"], before["ers_room_browsers"]));
        Assert.Contains(before.Keys, name => name.StartsWith("process_", StringComparison.Ordinal));

        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement turn = (await browser.NextEventAsync("turnservers"))[0];
        using TurnUdpTestClient turnClient = new(ers.TurnPort!.Value, turn.GetProperty("username").GetString()!,
            turn.GetProperty("credential").GetString()!);
        Assert.Equal(0, await turnClient.AllocateAsync());
        await browser.JoinAsync("r1", new { token = "", streamName = "s", transport = "fmp4" });
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r1");
        await ems.NextEventAsync("clientJoined");
        await ems.EmitAsync("message", false, new { to = browser.Sid, type = "offer", payload = new { sdp = "v=0" } });
        await browser.NextEventAsync("message");

        Dictionary<string, double> during = await PrometheusText.ScrapeAsync(http, Metrics);
        Assert.Equal((2, 1, 1, 1), (during["ers_sockets"], during["ers_rooms"], during["ers_room_browsers"], during["ers_room_ems"]));
        Assert.Equal(1, during["ers_messages_relayed_total"]);
        Assert.Equal(1, during["ers_turn_allocations"]);

        using HttpResponseMessage other = await http.GetAsync(new Uri("admin", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
