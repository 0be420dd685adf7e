using System.Net;
using EmsSharp.Server.Connections;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Connections;

public sealed class ConnectionRegistryTests
{
    [Fact]
    public void Ids_count_from_one_and_a_closed_connection_leaves_once()
    {
        var registry = new ConnectionRegistry(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(1)));
        var changes = 0;
        registry.Changed += () => changes++;
        var first = registry.Open(Tcp());
        var second = registry.Open(Tcp());
        Assert.Equal((1, 2), (first.Id, second.Id));
        Assert.Equal([first, second], registry.List());

        first.Dispose();
        first.Dispose();
        Assert.False(registry.TryGet(first.Id, out _));
        Assert.Equal(1, registry.Count);
        Assert.Equal(3, changes); // two opens, one close: the second Dispose does nothing
        Assert.Equal(3, registry.Open(Tcp()).Id); // ids are never reused
    }

    [Fact]
    public void A_connection_is_found_by_the_streams_it_carries_and_counts_its_bytes()
    {
        var registry = new ConnectionRegistry(TimeProvider.System);
        using var connection = registry.Open(Tcp());
        connection.AttachStream(7);
        connection.AttachStream(7);
        connection.AttachStream(9);
        Assert.Equal([7, 9], connection.GetStreamIds());
        Assert.Same(connection, registry.FindByStream(9));
        connection.DetachStream(9);
        Assert.Null(registry.FindByStream(9));

        connection.AddReceived(100);
        connection.AddSent(40);
        connection.AddReceived(1);
        Assert.Equal((101, 40), connection.Traffic);
    }

    [Fact]
    public async Task Connections_opened_and_closed_on_many_threads_leave_none_behind()
    {
        var registry = new ConnectionRegistry(TimeProvider.System);
        var ids = new System.Collections.Concurrent.ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                using var connection = registry.Open(Tcp());
                ids.Add(connection.Id);
                Assert.NotEmpty(registry.List());
            }
        })));

        Assert.Equal(0, registry.Count);
        Assert.Empty(registry.List());
        Assert.Equal(16_000, ids.Distinct().Count());
    }

    [Fact]
    public async Task Counting_stream_adds_what_crosses_it_to_its_connection()
    {
        var registry = new ConnectionRegistry(TimeProvider.System);
        using var connection = registry.Open(Tcp());
        var inner = new MemoryStream();
        await using var stream = new CountingStream(inner, connection);
        await stream.WriteAsync(new byte[10]);
        stream.Write(new byte[5], 0, 5);
        inner.Position = 0;
        Assert.Equal(12, await stream.ReadAsync(new byte[12]));
        Assert.Equal((12, 15), connection.Traffic);
    }

    [Fact]
    public void Counters_follow_each_carrier_with_its_high_water_mark_total_and_bytes()
    {
        var registry = new ConnectionRegistry(TimeProvider.System);
        var a = registry.Open(Tcp());
        var b = registry.Open(Tcp());
        using var webRtc = registry.Open(new ConnectionSpec(ConnectionCarrier.Udp, () => ["UDP", "WRTCCNX"], () => (null, null), true)
        {
            CurrentCarrier = () => ConnectionCarrier.Tcp, // ICE moved to TCP: still counted under UDP, where it opened
            Traffic = () => (0, 500),
        });
        a.AddReceived(10);
        a.AddSent(20);
        b.AddReceived(1);
        a.Dispose();

        var counters = registry.ReadCounters();
        Assert.Equal(new ConnectionCount(1, 2, 2, 11, 20), counters.Tcp); // a's bytes stay counted after it closed
        Assert.Equal(new ConnectionCount(1, 1, 1, 0, 500), counters.Udp);
        Assert.Equal(new ConnectionCount(0, 0, 0, 0, 0), counters.NonNetwork);
        Assert.Equal(new ConnectionCount(2, 3, 3, 11, 520), counters.All); // three were open at once

        registry.ResetMaxCounters();
        counters = registry.ReadCounters();
        Assert.Equal((1, 1, 2), (counters.Tcp.Max, counters.Udp.Max, counters.All.Max));
        Assert.Equal(3, counters.All.Total); // totals are kept
        registry.ResetTotalCounters();
        counters = registry.ReadCounters();
        Assert.Equal((1, 1, 2), (counters.Tcp.Total, counters.Udp.Total, counters.All.Total));
        Assert.Equal(11, counters.Tcp.ReceivedBytes); // bytes are never reset

        b.Dispose();
        webRtc.Dispose();
        counters = registry.ReadCounters();
        Assert.Equal(new ConnectionCount(0, 2, 2, 11, 520), counters.All); // the closed ones' bytes stay
    }

    [Fact]
    public async Task Counters_opened_and_closed_on_many_threads_come_back_to_zero()
    {
        var registry = new ConnectionRegistry(TimeProvider.System);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                using var connection = registry.Open(Tcp());
                Assert.InRange(registry.ReadCounters().Tcp.Current, 1, 8);
            }
        })));

        var counters = registry.ReadCounters();
        Assert.Equal((0, 16_000), (counters.Tcp.Current, counters.Tcp.Total));
        Assert.InRange(counters.Tcp.Max, 1, 8);
        Assert.Equal(counters.Tcp.Max, counters.All.Max);
    }

    private static ConnectionSpec Tcp() => ConnectionSpec.ForSocket(
        ConnectionCarrier.Tcp, new IPEndPoint(IPAddress.Loopback, 1935), new IPEndPoint(IPAddress.Loopback, 50000), true, "TCP", "IR");
}
