using System.Net;
using EmsSharp.Protocols.Net;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Net;

public sealed class ConnectionCapTests
{
    private static readonly IPEndPoint A = new(IPAddress.Parse("192.0.2.1"), 40000);
    private static readonly IPEndPoint B = new(IPAddress.Parse("192.0.2.2"), 40000);

    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _reports = [];

    private ConnectionCap NewCap(int maxPerAddress, int maxConnections) =>
        new(maxPerAddress, maxConnections, _time, (address, cap, refused) => _reports.Add($"{address}: {cap}, {refused}"));

    [Fact]
    public async Task A_connection_over_its_address_cap_is_refused_without_being_served_and_its_slot_comes_back()
    {
        var cap = NewCap(maxPerAddress: 2, maxConnections: 100);
        var first = new Connection(cap, A);
        var second = new Connection(cap, A);
        var third = new Connection(cap, A);
        var other = new Connection(cap, B);

        Assert.True(first.Served && second.Served && other.Served);
        Assert.False(third.Served);
        Assert.True(third.Refused);
        await third.Run; // a refusal ends at once
        Assert.Equal(["192.0.2.1: 2 connections from this address, 1"], _reports);

        await first.EndAsync();
        var fourth = new Connection(cap, A);
        Assert.True(fourth.Served);
        Assert.False(fourth.Refused);
    }

    [Fact]
    public async Task The_total_cap_refuses_any_address_until_a_connection_ends()
    {
        var cap = NewCap(maxPerAddress: 2, maxConnections: 2);
        var first = new Connection(cap, A);
        _ = new Connection(cap, B);
        var refused = new Connection(cap, IPEndPoint.Parse("192.0.2.3:1"));
        Assert.True(refused.Refused);
        Assert.Equal(["192.0.2.3: 2 connections in all, 1"], _reports);

        await first.EndAsync();
        Assert.True(new Connection(cap, IPEndPoint.Parse("192.0.2.3:2")).Served);
    }

    [Fact]
    public void A_flood_of_refusals_is_reported_once_per_interval_with_its_count()
    {
        var cap = NewCap(maxPerAddress: 2, maxConnections: 100);
        _ = new Connection(cap, A);
        _ = new Connection(cap, A);
        for (var i = 0; i < 300; i++)
        {
            Assert.True(new Connection(cap, A).Refused);
        }

        Assert.Single(_reports);
        _time.Advance(LogThrottle.Interval);
        Assert.True(new Connection(cap, A).Refused);
        Assert.Equal(["192.0.2.1: 2 connections from this address, 1", "192.0.2.1: 2 connections from this address, 300"], _reports);
    }

    [Fact]
    public async Task A_connection_that_fails_gives_its_slot_back()
    {
        var cap = NewCap(maxPerAddress: 1, maxConnections: 1);
        await Assert.ThrowsAsync<IOException>(() => cap.RunAsync(A, () => throw new IOException("reset"), () => { }));
        Assert.True(new Connection(cap, A).Served);
    }

    /// <summary>One connection through the cap: served until <see cref="EndAsync"/>, or refused at once.</summary>
    private sealed class Connection
    {
        private readonly TaskCompletionSource _end = new();

        public Connection(ConnectionCap cap, EndPoint remote) =>
            Run = cap.RunAsync(remote, () => { Served = true; return _end.Task; }, () => Refused = true);

        public Task Run { get; }

        public bool Served { get; private set; }

        public bool Refused { get; private set; }

        public Task EndAsync()
        {
            _end.SetResult();
            return Run;
        }
    }
}
