using System.Net;
using EmsSharp.Protocols.Net;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Net;

public sealed class ConnectionSlotsTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _reports = [];

    private static IPAddress Address(int n) => IPAddress.Parse($"192.0.2.{n}");

    private ConnectionSlots NewSlots(int maxConnections, int maxPerAddress) =>
        new(maxConnections, maxPerAddress, _time, (address, evicted) => _reports.Add($"{address}, {evicted}"));

    private static ConnectionSlot Take(ConnectionSlots slots, int address)
    {
        Assert.True(slots.TryTake(Address(address), out var slot, out var refusal));
        Assert.Equal(AddressSlotRefusal.None, refusal);
        return slot;
    }

    [Fact]
    public void A_full_listener_evicts_its_oldest_unproven_connection_for_a_new_one()
    {
        var slots = NewSlots(maxConnections: 4, maxPerAddress: 4);
        var held = Enumerable.Range(1, 4).Select(n => Take(slots, n)).ToList();

        var newcomer = Take(slots, 5);
        Assert.True(held[0].Evicted.IsCancellationRequested);
        Assert.All(held.Skip(1), s => Assert.False(s.Evicted.IsCancellationRequested));
        Assert.Equal(["192.0.2.1, 1"], _reports);

        Take(slots, 6);
        Assert.True(held[1].Evicted.IsCancellationRequested);
        Assert.False(newcomer.Evicted.IsCancellationRequested);
    }

    [Fact]
    public void A_proven_connection_is_never_evicted_and_with_none_unproven_the_newcomer_is_refused()
    {
        var slots = NewSlots(maxConnections: 2, maxPerAddress: 2);
        var proven = Take(slots, 1);
        proven.MarkProven();
        var silent = Take(slots, 2);

        var newcomer = Take(slots, 3); // takes the silent one's slot, not the older proven one's
        Assert.True(silent.Evicted.IsCancellationRequested);
        Assert.False(proven.Evicted.IsCancellationRequested);

        newcomer.MarkProven();
        Assert.False(slots.TryTake(Address(4), out _, out var refusal));
        Assert.Equal(AddressSlotRefusal.Total, refusal);
        Assert.False(proven.Evicted.IsCancellationRequested || newcomer.Evicted.IsCancellationRequested);

        proven.Dispose();
        Take(slots, 4);
    }

    [Fact]
    public void Eviction_never_lifts_the_address_cap()
    {
        var slots = NewSlots(maxConnections: 2, maxPerAddress: 1);
        var first = Take(slots, 1);
        Take(slots, 2);

        Assert.False(slots.TryTake(Address(1), out _, out var refusal));
        Assert.Equal(AddressSlotRefusal.Address, refusal);
        Assert.False(first.Evicted.IsCancellationRequested);
        Assert.Empty(_reports);
    }

    [Fact]
    public void An_evicted_slot_disposed_later_gives_nothing_back_twice()
    {
        var slots = NewSlots(maxConnections: 1, maxPerAddress: 1);
        var evicted = Take(slots, 1);
        var newcomer = Take(slots, 2);
        evicted.Dispose(); // the connection ends after its eviction: its slot was given back already
        evicted.Dispose();

        var next = Take(slots, 1); // evicts the newcomer: one slot in all, still
        Assert.True(newcomer.Evicted.IsCancellationRequested);
        next.MarkProven();
        Assert.False(slots.TryTake(Address(3), out _, out _));
    }

    [Fact]
    public void Evictions_are_reported_once_per_interval_with_their_count()
    {
        var slots = NewSlots(maxConnections: 1, maxPerAddress: 1);
        Take(slots, 1);
        for (var n = 2; n <= 50; n++)
        {
            Take(slots, n);
        }

        Assert.Equal(["192.0.2.1, 1"], _reports);
        _time.Advance(LogThrottle.Interval);
        Take(slots, 51);
        Assert.Equal(["192.0.2.1, 1", "192.0.2.50, 49"], _reports);
    }
}
