using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Tests.Api;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

public class RtmpServerTests
{
    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated handshake")]
    public async Task Bad_input_closes_only_that_connection(string kind)
    {
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1" });
        using var server = new RtmpServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtmpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        try
        {
            using var healthy = new TcpClient();
            await healthy.ConnectAsync(server.LocalEndPoint!);
            using var bad = new TcpClient();
            await bad.ConnectAsync(server.LocalEndPoint!);
            var stream = bad.GetStream();
            if (kind == "garbage")
            {
                await stream.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            }
            else
            {
                await stream.WriteAsync(new byte[] { 3, 0, 0, 0 });
                bad.Client.Shutdown(SocketShutdown.Send);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await ReadToEndAsync(stream, timeout.Token));

            await AssertHandshakeAsync(healthy, timeout.Token); // the other connection still completes a handshake
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_the_timeout_of_the_time_provider()
    {
        var time = new ObservedTimeProvider();
        using var server = await StartIdleTimeoutServerAsync(time);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.LocalEndPoint!);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var read = ReadToEndAsync(client.GetStream(), timeout.Token);

            // The connection arms its idle timer once it starts reading; 31 s of its clock later it is closed.
            await time.WaitForArmedAsync(TimeSpan.FromSeconds(30));
            time.Advance(TimeSpan.FromSeconds(31));
            Assert.Equal(0, await read);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_peer_trickling_bytes_without_completing_a_unit_is_closed_at_the_idle_timeout()
    {
        var time = new ObservedTimeProvider();
        using var server = await StartIdleTimeoutServerAsync(time);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.LocalEndPoint!);
            var stream = client.GetStream();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var read = ReadToEndAsync(stream, timeout.Token);
            _ = read.ContinueWith(_ => time.TimestampRead.Notify(), TaskScheduler.Default); // the close ends a wait below
            await time.WaitForArmedAsync(TimeSpan.FromSeconds(30));

            // C0, then C1 a byte at a time, never whole: each byte is read (a turn of the connection's read loop)
            // before 5 s of its clock pass, so each arrives well within the 30 s timeout, and none completes a unit.
            var sent = 0;
            while (!read.IsCompleted && sent < 40)
            {
                var turns = time.TimestampReads;
                await stream.WriteAsync(new byte[] { sent == 0 ? (byte)3 : (byte)0 }, timeout.Token);
                sent++;
                await time.TimestampRead.WaitUntilAsync(() => read.IsCompleted || time.TimestampReads > turns,
                    "the connection did not read the byte");
                time.Advance(TimeSpan.FromSeconds(5));
            }

            Assert.Equal(0, await read);
            Assert.True(sent <= 12, $"closed only after {sent} bytes ({sent * 5} s of trickling)");
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    // A listener on 127.0.0.1 whose connections close after 30 s without a complete unit, on the given clock.
    private static async Task<RtmpServer> StartIdleTimeoutServerAsync(TimeProvider time)
    {
        var options = Options.Create(new IngestOptions
        {
            RtmpPort = 0,
            RtmpAddress = "127.0.0.1",
            RtmpIdleTimeout = TimeSpan.FromSeconds(30),
        });
        var server = new RtmpServer(options, new PublishAuthorizer(options, new StreamHub(), time), time, NullLogger<RtmpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    [Fact]
    public async Task One_address_holding_its_share_of_slots_does_not_lock_out_another()
    {
        var options = Options.Create(new IngestOptions
        {
            RtmpPort = 0,
            RtmpAddress = "127.0.0.1",
            RtmpMaxConnections = 64,
            RtmpMaxConnectionsPerAddress = 8,
        });
        using var server = new RtmpServer(options, new PublishAuthorizer(options, new StreamHub(), TimeProvider.System), TimeProvider.System, NullLogger<RtmpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        var slow = new List<TcpClient>();
        try
        {
            // 40 silent connections from 127.0.0.1: the first 8 hold slots, the rest are closed at accept.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            for (var i = 0; i < 40; i++)
            {
                var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
                slow.Add(client);
                await client.ConnectAsync(server.LocalEndPoint!, timeout.Token);
            }

            Assert.Equal(0, await ReadToEndAsync(slow[^1].GetStream(), timeout.Token)); // refused: closed at once

            // A publisher from another address (127.0.0.2 is loopback too) still completes its handshake.
            using var normal = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
            await normal.ConnectAsync(server.LocalEndPoint!, timeout.Token);
            await AssertHandshakeAsync(normal, timeout.Token);
        }
        finally
        {
            foreach (var client in slow)
                client.Dispose();
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_full_listener_closes_its_oldest_silent_connection_and_serves_a_new_publisher()
    {
        var options = Options.Create(new IngestOptions
        {
            RtmpPort = 0,
            RtmpAddress = "127.0.0.1",
            RtmpMaxConnections = 4,
            RtmpMaxConnectionsPerAddress = 4,
        });
        using var server = new RtmpServer(options, new PublishAuthorizer(options, new StreamHub(), TimeProvider.System), TimeProvider.System, NullLogger<RtmpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        var silent = new List<TcpClient>();
        try
        {
            // Four connections from four addresses that send nothing; the accept loop admits in connection order.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            for (var n = 2; n <= 5; n++)
            {
                var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse($"127.0.0.{n}"), 0));
                silent.Add(client);
                await client.ConnectAsync(server.LocalEndPoint!, timeout.Token);
            }

            using var publisher = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            await publisher.ConnectAsync(server.LocalEndPoint!, timeout.Token);
            await AssertHandshakeAsync(publisher, timeout.Token);

            Assert.Equal(0, await ReadToEndAsync(silent[0].GetStream(), timeout.Token)); // the oldest made room
            foreach (var kept in silent.Skip(1))
                await AssertHandshakeAsync(kept, timeout.Token); // and only the oldest
        }
        finally
        {
            silent.ForEach(c => c.Dispose());
            await server.StopAsync(CancellationToken.None);
        }
    }

    private static async Task AssertHandshakeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var c0c1 = new byte[1537];
        c0c1[0] = 3;
        await client.GetStream().WriteAsync(c0c1, cancellationToken);
        var s0s1s2 = new byte[3073];
        await client.GetStream().ReadExactlyAsync(s0s1s2, cancellationToken);
        Assert.Equal(3, s0s1s2[0]);
    }

    private static async Task<int> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var total = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // Reset: closed as well.
        }

        return total;
    }
}
