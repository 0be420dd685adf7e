using System.Net;
using EmsSharp.Protocols.Net;

namespace EmsSharp.Protocols.Tests.Net;

public sealed class AddressSlotsTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void An_address_holds_at_most_its_share_and_others_still_get_slots()
    {
        var slots = new AddressSlots(maxPerAddress: 2);
        Assert.True(slots.TryTake(A, out _));
        Assert.True(slots.TryTake(A, out _));
        Assert.False(slots.TryTake(A, out var refusal));
        Assert.Equal(AddressSlotRefusal.Address, refusal);

        Assert.True(slots.TryTake(B, out refusal));
        Assert.Equal(AddressSlotRefusal.None, refusal);

        slots.Release(A);
        Assert.True(slots.TryTake(A, out _));
    }

    [Fact]
    public void The_total_cap_counts_every_address_and_the_address_cap_is_named_first()
    {
        var slots = new AddressSlots(maxPerAddress: 2, maxTotal: 3);
        Assert.True(slots.TryTake(A, out _));
        Assert.True(slots.TryTake(A, out _));
        Assert.True(slots.TryTake(B, out _));

        Assert.False(slots.TryTake(B, out var refusal));
        Assert.Equal(AddressSlotRefusal.Total, refusal);
        Assert.False(slots.TryTake(A, out refusal));
        Assert.Equal(AddressSlotRefusal.Address, refusal);

        slots.Release(A);
        Assert.True(slots.TryTake(B, out _));
    }

    [Fact]
    public void An_ipv4_mapped_address_counts_as_its_ipv4_address()
    {
        var slots = new AddressSlots(maxPerAddress: 1);
        Assert.True(slots.TryTake(A.MapToIPv6(), out _));
        Assert.False(slots.TryTake(A, out _));
        slots.Release(A);
        Assert.True(slots.TryTake(A, out _));
    }

    [Fact]
    public void A_release_without_its_take_throws()
    {
        var slots = new AddressSlots(maxPerAddress: 1);
        Assert.True(slots.TryTake(A, out _));
        slots.Release(A);
        Assert.Throws<InvalidOperationException>(() => slots.Release(A));
        Assert.Throws<InvalidOperationException>(() => slots.Release(B));
    }

    [Fact]
    public void Concurrent_takes_never_exceed_the_caps_and_releases_free_every_slot()
    {
        const int PerAddress = 3;
        var slots = new AddressSlots(PerAddress, maxTotal: 10);
        var addresses = Enumerable.Range(1, 8).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToArray();
        var held = new int[addresses.Length];
        var total = 0;
        var violations = 0;
        Parallel.For(0, 20_000, i =>
        {
            var index = i % addresses.Length;
            if (!slots.TryTake(addresses[index], out _))
            {
                return;
            }

            if (Interlocked.Increment(ref held[index]) > PerAddress | Interlocked.Increment(ref total) > 10)
            {
                Interlocked.Increment(ref violations);
            }

            Interlocked.Decrement(ref held[index]);
            Interlocked.Decrement(ref total);
            slots.Release(addresses[index]);
        });

        Assert.Equal(0, violations);
        var all = 0;
        foreach (var address in addresses)
        {
            for (var n = 0; n < PerAddress && all < 10; n++, all++)
            {
                Assert.True(slots.TryTake(address, out _)); // every slot was given back
            }
        }

        Assert.False(slots.TryTake(addresses[^1], out var refusal));
        Assert.Equal(AddressSlotRefusal.Total, refusal);
    }
}
