using System.Net.WebSockets;
using System.Text.Json;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// listConnections, listConnectionsIds, getConnectionInfo, getConnectionsCount and clientsConnected on a running server, in
/// EvoStream's shape (shared/EVOSTREAM-API.md §4): each entry {carrier, stack} with the streams on its top layer.
/// </summary>
public sealed class ConnectionCommandsTests
{
    [Fact]
    public async Task API_clients_are_listed_with_their_carrier_counted_and_gone_once_they_close()
    {
        await using var ems = await TestEms.StartAsync();
        var registry = ems.Host.Services.GetRequiredService<ConnectionRegistry>();
        var changed = new ChangeSignal();
        registry.Changed += changed.Notify;
        await using var cli = await ems.ConnectJsonAsync();
        Assert.Equal("SUCCESS", (await cli.JsonAsync("version")).Status());

        var reply = await cli.JsonAsync("listConnections");
        Assert.Equal("Available connections", reply.Description());
        var self = Assert.Single(reply.Data().EnumerateArray(), c => Top(c) == "IJSONCLI");
        var carrier = self.GetProperty("carrier");
        Assert.Equal("IOHT_TCP_CARRIER", carrier.GetProperty("type").GetString());
        Assert.Equal("127.0.0.1", carrier.GetProperty("farIP").GetString());
        Assert.Equal(((System.Net.IPEndPoint)cli.Stream.Socket.LocalEndPoint!).Port, carrier.GetProperty("farPort").GetInt32());
        Assert.Equal(ems.Host.JsonCliEndPoint!.Port, carrier.GetProperty("nearPort").GetInt32());
        Assert.True(carrier.GetProperty("rx").GetInt64() >= "version\nlistConnections\n".Length);
        Assert.True(carrier.GetProperty("tx").GetInt64() > 0); // the version reply
        var stack = self.GetProperty("stack").EnumerateArray().ToList();
        Assert.Equal(["TCP", "IJSONCLI"], stack.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal([0, 1], stack.Select(l => l.GetProperty("applicationId").GetInt32()));
        Assert.False(stack[1].TryGetProperty("streams", out _)); // a CLI carries no stream
        Assert.Equal(JsonValueKind.False, stack[0].GetProperty("isEnqueueForDelete").ValueKind);
        var id = carrier.GetProperty("id").GetInt64();
        Assert.Equal(id, stack[1].GetProperty("id").GetInt64());

        var ids = (await cli.JsonAsync("listConnectionsIds")).Data().EnumerateArray().Select(e => e.GetInt64()).ToList();
        Assert.Contains(id, ids);
        var count = await cli.JsonAsync("getConnectionsCount");
        Assert.Equal(("Active connections count", ids.Count), (count.Description(), count.Data().GetProperty("count").GetInt32()));
        var info = await cli.JsonAsync($"getConnectionInfo id={id}");
        Assert.Equal("Connection information", info.Description());
        Assert.Equal(["TCP", "IJSONCLI"], info.Data().GetProperty("stack").EnumerateArray().Select(l => l.GetProperty("type").GetString()));

        // The HTTP API's own connection answers listConnections with itself in it.
        var http = await ems.HttpAsync("listConnections?excludeNonNetworkProtocols=0");
        var request = Assert.Single(http.Data().EnumerateArray(), c => Top(c) == "IJSONCLI" && Layers(c)[1] == "IHTT");
        Assert.Equal(ems.Host.HttpEndPoint!.Port, request.GetProperty("carrier").GetProperty("nearPort").GetInt32());

        // Every parameter is checked, and an id nobody has is a FAIL that names it.
        Assert.Equal("Missing mandatory parameter: id", (await cli.JsonAsync("getConnectionInfo")).Description());
        Assert.Equal("No connection has id 424242; see listConnectionsIds", (await cli.JsonAsync("getConnectionInfo id=424242")).Description());
        Assert.StartsWith("Invalid value for id: abc", (await cli.JsonAsync("getConnectionInfo id=abc")).Description(), StringComparison.Ordinal);
        Assert.StartsWith("Invalid value for excludenonnetworkprotocols: maybe",
            (await cli.JsonAsync("listConnections excludeNonNetworkProtocols=maybe")).Description(), StringComparison.Ordinal);

        // A second client is one more connection, and leaves the list when it closes.
        var before = registry.Count;
        var other = await ems.ConnectJsonAsync();
        Assert.Equal("SUCCESS", (await other.JsonAsync("version")).Status());
        var otherId = registry.List().Max(c => c.Id);
        Assert.Equal(before + 1, (await cli.JsonAsync("getConnectionsCount")).Data().GetProperty("count").GetInt32());
        await other.DisposeAsync();
        await changed.WaitUntilAsync(() => !registry.TryGet(otherId, out _), "the closed CLI connection is still listed");
        Assert.Equal("FAIL", (await cli.JsonAsync($"getConnectionInfo id={otherId}")).Status());
    }

    [Fact]
    public async Task A_WS_FMP4_viewer_is_a_connection_carrying_its_output_and_clientsConnected_counts_it()
    {
        await using var ems = await TestEms.StartAsync();
        var registry = ems.Host.Services.GetRequiredService<ConnectionRegistry>();
        var changed = new ChangeSignal();
        registry.Changed += changed.Notify;
        await using var cli = await ems.ConnectJsonAsync();
        Assert.Equal(0, (await cli.JsonAsync("clientsConnected")).Data().GetProperty("outboundCount").GetInt32());

        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("test", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 3, gop: 5);
        var port = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port;
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/test"), CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(socket)));

        var viewer = Assert.Single((await cli.JsonAsync("listConnections")).Data().EnumerateArray(), c => Top(c) == "IWSFMP4");
        Assert.Equal(["TCP", "IWSFMP4"], Layers(viewer));
        var carrier = viewer.GetProperty("carrier");
        Assert.Equal(port, carrier.GetProperty("nearPort").GetInt32());
        Assert.True(carrier.GetProperty("tx").GetInt64() > 0); // the upgrade reply and the init segment
        Assert.True(carrier.GetProperty("rx").GetInt64() > 0); // the upgrade request
        var output = Assert.Single(viewer.GetProperty("stack")[1].GetProperty("streams").EnumerateArray());
        Assert.Equal(("ONFMP4", stream.Id), (output.GetProperty("type").GetString(), output.GetProperty("inStreamUniqueId").GetInt64()));
        var outputId = output.GetProperty("uniqueId").GetInt64();

        var all = await cli.JsonAsync("clientsConnected");
        Assert.Equal(("EMS outbound client connections count", 1), (all.Description(), all.Data().GetProperty("outboundCount").GetInt32()));
        Assert.Equal(1, (await cli.JsonAsync("clientsConnected localStreamName=test")).Data().GetProperty("outboundCount").GetInt32());
        var none = await cli.JsonAsync("clientsConnected localStreamName=other");
        Assert.Equal("EMS outbound client connections count for the corresponding localstreamname: other", none.Description());
        Assert.Equal(0, none.Data().GetProperty("outboundCount").GetInt32());
        Assert.StartsWith("Invalid value for localstreamname", (await cli.JsonAsync("clientsConnected localStreamName=")).Description(),
            StringComparison.Ordinal);

        // The viewer is EmsSharp's one HTTP streaming session; a group name matches none (there are no HLS/DASH groups).
        var http = await cli.JsonAsync("httpClientsConnected");
        Assert.Equal("Number of clients connected to Evostream Web Server", http.Description());
        Assert.Equal(("", 1), (http.Data().GetProperty("groupName").GetString(), http.Data().GetProperty("httpStreamingSessionsCount").GetInt32()));
        var group = await cli.JsonAsync("httpClientsConnected groupName=hls_group_1");
        Assert.Equal("Number of clients connected to Evostream Web Server under groupname: hls_group_1", group.Description());
        Assert.Equal(("hls_group_1", 0),
            (group.Data().GetProperty("groupName").GetString(), group.Data().GetProperty("httpStreamingSessionsCount").GetInt32()));

        // shutdownStream answers the output's connection as EvoStream's protocolStackInfo; the inbound stream has none
        // (no connection carries a stream published in process).
        var shut = (await cli.JsonAsync($"shutdownStream id={outputId}")).Data();
        var stackInfo = shut.GetProperty("protocolStackInfo");
        Assert.Equal(carrier.GetProperty("id").GetInt64(), stackInfo.GetProperty("carrier").GetProperty("id").GetInt64());
        Assert.Equal(["TCP", "IWSFMP4"], Layers(stackInfo));
        Assert.Equal(outputId, shut.GetProperty("streamInfo").GetProperty("uniqueId").GetInt64());
        await changed.WaitUntilAsync(() => registry.List().All(c => c.Stack[^1] != "IWSFMP4"), "the ended viewer's connection is still listed");
        Assert.Equal(0, (await cli.JsonAsync("clientsConnected")).Data().GetProperty("outboundCount").GetInt32());
        Assert.Equal(0, (await cli.JsonAsync("httpClientsConnected")).Data().GetProperty("httpStreamingSessionsCount").GetInt32());
        var inbound = (await cli.JsonAsync($"shutdownStream id={stream.Id}")).Data();
        Assert.Equal(JsonValueKind.Null, inbound.GetProperty("protocolStackInfo").ValueKind);
    }

    [Fact]
    public async Task Connection_counters_keep_the_high_water_mark_and_the_total_until_reset()
    {
        await using var ems = await TestEms.StartAsync();
        var registry = ems.Host.Services.GetRequiredService<ConnectionRegistry>();
        var changed = new ChangeSignal();
        registry.Changed += changed.Notify;
        await using var cli = await ems.ConnectJsonAsync();
        var first = await Counters(cli);
        Assert.Equal("Connection counters", first.Description());
        Assert.Equal(["origin", "total"], first.Data().EnumerateObject().Select(p => p.Name));
        var origin = first.Data().GetProperty("origin");
        Assert.Equal(["grandTotal", "managedNonTcpUdp", "managedTcp", "managedTcpAcceptors", "managedTcpConnectors", "managedUdp", "rawUdp"],
            origin.EnumerateObject().Select(p => p.Name));
        Assert.All(origin.EnumerateObject(), kind =>
            Assert.Equal(["current", "inBytes", "max", "outBytes", "total"], kind.Value.EnumerateObject().Select(p => p.Name)));
        var tcp = Kind(first, "managedTcp");
        Assert.Equal(1, tcp.Current); // this CLI client, the only connection
        Assert.Equal(tcp.Current, first.Data().GetProperty("total").GetInt64());
        Assert.Equal(tcp, Kind(first, "grandTotal"));
        Assert.True(tcp.InBytes >= "getExtendedConnectionCounters\n".Length);

        // Two more clients come and go: the current count falls back, the maximum and the total keep them.
        var others = new[] { await ems.ConnectJsonAsync(), await ems.ConnectJsonAsync() };
        foreach (var other in others)
            Assert.Equal("SUCCESS", (await other.JsonAsync("version")).Status());
        var peak = Kind(await Counters(cli), "managedTcp");
        Assert.Equal((tcp.Current + 2, tcp.Total + 2), (peak.Current, peak.Total));
        Assert.True(peak.Max >= tcp.Current + 2);
        var openBefore = registry.Count;
        foreach (var other in others)
            await other.DisposeAsync();
        await changed.WaitUntilAsync(() => registry.Count == openBefore - 2, "the closed CLI connections are still counted");
        var after = Kind(await Counters(cli), "managedTcp");
        Assert.Equal((tcp.Current, peak.Max, peak.Total), (after.Current, after.Max, after.Total));
        Assert.True(after.OutBytes > peak.OutBytes); // the closed clients' version replies stay counted

        var resetMax = await cli.JsonAsync("resetMaxFdCounters");
        Assert.Equal(("Max counters are cleared", JsonValueKind.Null), (resetMax.Description(), resetMax.Data().ValueKind));
        var maxReset = await Counters(cli);
        Assert.Equal((tcp.Current, peak.Total), (Kind(maxReset, "managedTcp").Max, Kind(maxReset, "managedTcp").Total));
        Assert.Equal(tcp.Current, Kind(maxReset, "grandTotal").Max);
        var resetTotal = await cli.JsonAsync("resetTotalFdCounters");
        Assert.Equal(("Total counters are cleared", JsonValueKind.Null), (resetTotal.Description(), resetTotal.Data().ValueKind));
        Assert.Equal(tcp.Current, Kind(await Counters(cli), "managedTcp").Total);
        Assert.Equal(0, Kind(await Counters(cli), "rawUdp").Total);
    }

    private static async Task<JsonElement> Counters(CliClient cli) => await cli.JsonAsync("getExtendedConnectionCounters");

    private static (long Current, long Max, long Total, long InBytes, long OutBytes) Kind(JsonElement reply, string kind)
    {
        var k = reply.Data().GetProperty("origin").GetProperty(kind);
        return (k.GetProperty("current").GetInt64(), k.GetProperty("max").GetInt64(), k.GetProperty("total").GetInt64(),
            k.GetProperty("inBytes").GetInt64(), k.GetProperty("outBytes").GetInt64());
    }

    private static List<string?> Layers(JsonElement entry) =>
        [.. entry.GetProperty("stack").EnumerateArray().Select(l => l.GetProperty("type").GetString())];

    private static string? Top(JsonElement entry) => Layers(entry)[^1];
}
