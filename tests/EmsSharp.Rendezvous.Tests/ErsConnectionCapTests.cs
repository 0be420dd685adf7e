using System.Net;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>The per-IP connection caps of the signalling and admin listeners.</summary>
public sealed class ErsConnectionCapTests
{
    private static readonly IPAddress Loopback2 = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Signalling_connections_over_the_ip_cap_are_closed_and_other_ips_still_served()
    {
        StartupLog log = new();
        await using ErsHost ers = await ErsHost.StartAsync(ErsTestHost.Options(o =>
        {
            o.Limits.MaxSocketsPerIp = 3;
            o.Limits.MaxConnectionsPerIp = 3;
        }), null, log.Factory);
        IPEndPoint endPoint = new(IPAddress.Loopback, ers.Port);
        List<RawTcpClient> held = [];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                RawTcpClient client = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
                held.Add(client);
                Assert.Equal(200, (await client.GetAsync("/socket.io/1/")).Status); // a handshake, kept alive
            }

            for (int i = 0; i < 3; i++)
            {
                Assert.True(await RawTcpClient.IsClosedAtOnceAsync(endPoint, Loopback2));
            }

            using RawTcpClient other = await RawTcpClient.ConnectAsync(endPoint, IPAddress.Loopback);
            (int status, string body) = await other.GetAsync("/socket.io/1/");
            Assert.Equal(200, status);
            Assert.EndsWith(":websocket", body, StringComparison.Ordinal);
            Assert.True(log.Any(LogLevel.Warning, "ERS signalling: closed a connection from 127.0.0.2: 3 connections from this address already (1 refused"));
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Admin_connections_over_the_ip_cap_are_closed_and_other_ips_still_served()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.MaxAdminConnectionsPerIp = 2);
        IPEndPoint endPoint = new(IPAddress.Loopback, ers.AdminPort!.Value);
        using RawTcpClient first = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        using RawTcpClient second = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        Assert.Equal(200, (await first.GetAsync("/?c=listRooms")).Status);
        Assert.Equal(200, (await second.GetAsync("/?c=listRooms")).Status);

        Assert.True(await RawTcpClient.IsClosedAtOnceAsync(endPoint, Loopback2));
        using RawTcpClient other = await RawTcpClient.ConnectAsync(endPoint, IPAddress.Loopback);
        (int status, string body) = await other.GetAsync("/?c=listRooms");
        Assert.Equal(200, status);
        Assert.Contains("\"status\":\"SUCCESS\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signalling_cap_defaults_to_twice_the_sockets_per_ip_and_may_not_be_set_below_them()
    {
        ErsLimitsOptions limits = new();
        Assert.Equal(2000, limits.SignallingConnectionsPerIp);
        Assert.Null(limits.MaxConnections);
        Assert.Equal((64, 32), (limits.MaxAdminConnections, limits.MaxAdminConnectionsPerIp));
        limits.MaxSocketsPerIp = 5000;
        Assert.Equal(10_000, limits.SignallingConnectionsPerIp);

        limits.MaxConnectionsPerIp = 4999;
        Assert.Contains("maxConnectionsPerIp", Assert.Throws<InvalidDataException>(limits.Validate).Message, StringComparison.Ordinal);
        limits.MaxConnectionsPerIp = 5000;
        limits.Validate();
        limits.MaxAdminConnectionsPerIp = 65;
        Assert.Throws<InvalidDataException>(limits.Validate);
    }
}
