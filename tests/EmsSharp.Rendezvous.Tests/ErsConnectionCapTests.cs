using System.Net;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>The per-IP connection caps of the signalling, admin and TURN TCP listeners.</summary>
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
    public async Task Turn_tcp_connections_over_the_ip_cap_are_closed_and_other_ips_still_served()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Turn.MaxConnectionsPerIp = 2);
        IPEndPoint endPoint = new(IPAddress.Loopback, ers.TurnPort!.Value);
        using RawTcpClient first = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        using RawTcpClient second = await RawTcpClient.ConnectAsync(endPoint, Loopback2);
        Assert.True(await RawTcpClient.IsClosedAtOnceAsync(endPoint, Loopback2)); // accepted in order: the third

        using RawTcpClient other = await RawTcpClient.ConnectAsync(endPoint, IPAddress.Loopback);
        foreach (RawTcpClient client in new[] { first, second, other })
        {
            Assert.Equal(0x0101, await StunBindingAsync(client)); // Binding success response
        }
    }

    /// <summary>Sends a STUN Binding request (RFC 8489 §5) and returns the type of the response.</summary>
    private static async Task<int> StunBindingAsync(RawTcpClient client)
    {
        byte[] request = new byte[20];
        request[1] = 0x01; // Binding request, no attributes
        BitConverter.TryWriteBytes(request.AsSpan(4), IPAddress.HostToNetworkOrder(0x2112A442));
        Random.Shared.NextBytes(request.AsSpan(8, 12));
        await client.Stream.WriteAsync(request);
        byte[] header = new byte[20];
        await client.Stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await client.Stream.ReadExactlyAsync(new byte[(header[2] << 8) | header[3]]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(request[8..], header[8..]);
        return (header[0] << 8) | header[1];
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
