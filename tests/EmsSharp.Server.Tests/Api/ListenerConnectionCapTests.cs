using System.Net;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Api;

/// <summary>The per-address connection caps of the Kestrel listeners: HTTP API and WS-FMP4.</summary>
public sealed class ListenerConnectionCapTests
{
    private static readonly IPAddress Loopback2 = IPAddress.Parse("127.0.0.2");

    [Fact]
    public Task Http_api_connections_over_the_address_cap_are_closed_and_other_addresses_still_served() => TestEms.WithAsync(
        async ems =>
        {
            var endPoint = ems.Host.HttpEndPoint!;
            var held = new List<RawTcpClient>();
            try
            {
                // Each of the first four is served (and kept alive): it holds its slot.
                for (var i = 0; i < 4; i++)
                {
                    var client = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
                    held.Add(client);
                    Assert.Equal(200, (await client.GetAsync("/version")).Status);
                }

                for (var i = 0; i < 3; i++)
                {
                    Assert.True(await RawTcpClient.IsClosedAtOnceAsync(endPoint, Loopback2));
                }

                Assert.Contains("SUCCESS", (await held[0].GetAsync("/version")).Body, StringComparison.Ordinal);
                Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
                await ems.Logs.WaitForCountAsync("HTTP API: closed a connection from 127.0.0.2: 4 connections from this address already", 1);
                Assert.Equal(1, ems.Logs.Count("HTTP API: closed a connection")); // one line for the three: at most one per 10 s
            }
            finally
            {
                held.ForEach(c => c.Dispose());
            }
        },
        o => o.Api.Http.MaxConnectionsPerAddress = 4);

    [Fact]
    public void The_ws_fmp4_connection_cap_follows_the_viewer_cap_unless_set_and_is_never_below_it()
    {
        var options = new WsFmp4Options { MaxViewersPerAddress = 500 };
        Assert.Equal(532, options.ConnectionsPerAddress);
        Assert.True(new WsFmp4OptionsValidator().Validate(null, options).Succeeded);

        options.MaxConnectionsPerAddress = 499;
        Assert.Contains("WsFmp4:MaxConnectionsPerAddress", new WsFmp4OptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
        options.MaxConnectionsPerAddress = 500;
        Assert.Equal(500, options.ConnectionsPerAddress);
    }

    [Fact]
    public async Task Ws_fmp4_connections_over_the_address_cap_are_closed_and_other_addresses_still_served()
    {
        await using var ems = await TestEms.StartAsync(services: s => s.Configure<WsFmp4Options>(o =>
        {
            o.MaxViewersPerAddress = 2;
            o.MaxConnectionsPerAddress = 2;
        }));
        var endPoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var first = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        using var second = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        Assert.Equal(426, (await first.GetAsync("/test")).Status); // not a WebSocket request: answered, and kept alive
        Assert.Equal(426, (await second.GetAsync("/test")).Status);

        Assert.True(await RawTcpClient.IsClosedAtOnceAsync(endPoint, Loopback2));
        using var other = await RawTcpClient.ConnectAsync(endPoint, IPAddress.Loopback);
        Assert.Equal(426, (await other.GetAsync("/test")).Status);
        await ems.Logs.WaitForCountAsync("WS-FMP4: closed a connection from 127.0.0.2: 2 connections from this address already", 1);
    }
}
