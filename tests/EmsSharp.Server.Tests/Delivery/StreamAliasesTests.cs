using EmsSharp.Server.Delivery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery;

/// <summary>
/// The stream alias table in fake time (shared/EVOSTREAM-API.md §4, Aliases): expirePeriod below 0 is one-shot within
/// |n| seconds, 0 never expires, above 0 reusable for n seconds; remove, flush and the cap.
/// </summary>
public sealed class StreamAliasesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    private StreamAliases NewAliases() => new(_time, NullLogger<StreamAliases>.Instance);

    [Fact]
    public void A_name_that_is_no_alias_resolves_to_itself()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("other", "cam", 0, out _));
        Assert.Equal("cam1", aliases.Resolve("cam1", "viewer"));
        Assert.Equal("cam", aliases.Resolve("other", "viewer"));
        Assert.Equal("Other", aliases.Resolve("Other", "viewer")); // ordinal, as stream names
    }

    [Fact]
    public void A_one_shot_alias_serves_one_viewer_then_is_gone()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("once", "cam", -600, out _));
        Assert.True(aliases.TryPeek("once", out var alias)); // peeking does not use it
        Assert.True(aliases.TryPeek("once", out _));
        Assert.True(aliases.TryUse(alias, "first"));
        Assert.False(aliases.TryUse(alias, "second"));
        Assert.Equal("once", aliases.Resolve("once", "third"));
        Assert.Empty(aliases.List());
    }

    [Fact]
    public void A_one_shot_alias_expires_unused_after_its_period()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("once", "cam", -10, out _));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(aliases.TryPeek("once", out var alias));
        Assert.Single(aliases.List());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(aliases.TryUse(alias, "late")); // peeked in time, used too late
        Assert.Equal("once", aliases.Resolve("once", "late"));
        Assert.Empty(aliases.List());
    }

    [Fact]
    public void A_positive_period_serves_any_number_of_viewers_until_it_expires()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("reuse", "cam", 30, out _));
        for (var i = 0; i < 5; i++)
            Assert.Equal("cam", aliases.Resolve("reuse", "viewer " + i));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("cam", aliases.Resolve("reuse", "viewer"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("reuse", aliases.Resolve("reuse", "viewer"));
        Assert.Empty(aliases.List());
        Assert.False(aliases.TryRemove("reuse", out _)); // expired is not there
    }

    [Fact]
    public void Zero_never_expires()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("forever", "cam", 0, out _));
        _time.Advance(TimeSpan.FromDays(3650));
        Assert.Equal("cam", aliases.Resolve("forever", "viewer"));
        Assert.Equal("cam", aliases.Resolve("forever", "viewer"));
        var listed = Assert.Single(aliases.List());
        Assert.True(listed.Permanent);
        Assert.False(listed.OneShot);
    }

    [Fact]
    public void Adding_a_name_again_replaces_it_and_a_viewer_holding_the_old_one_does_not_consume_the_new()
    {
        var aliases = NewAliases();
        Assert.True(aliases.TryAdd("a", "cam1", -60, out _));
        Assert.True(aliases.TryPeek("a", out var old));
        Assert.True(aliases.TryAdd("a", "cam2", -60, out _));
        Assert.False(aliases.TryUse(old, "viewer"));
        Assert.Equal("cam2", aliases.Resolve("a", "viewer"));
    }

    [Fact]
    public void Remove_and_flush_take_aliases_away_and_the_list_is_in_ordinal_order()
    {
        var aliases = NewAliases();
        foreach (var name in new[] { "b", "B", "a", "_" })
            Assert.True(aliases.TryAdd(name, "cam", 0, out _));
        Assert.Equal(["B", "_", "a", "b"], aliases.List().Select(a => a.AliasName));

        Assert.True(aliases.TryRemove("a", out var removed));
        Assert.Equal("a", removed.AliasName);
        Assert.False(aliases.TryRemove("a", out _));
        Assert.Equal("a", aliases.Resolve("a", "viewer"));

        aliases.Flush();
        Assert.Empty(aliases.List());
        Assert.Equal("b", aliases.Resolve("b", "viewer"));
    }

    [Fact]
    public void The_table_is_capped_and_expired_entries_make_room()
    {
        var aliases = NewAliases();
        for (var i = 0; i < StreamAliases.MaxAliases - 1; i++)
            Assert.True(aliases.TryAdd("alias" + i, "cam", 0, out _));
        Assert.True(aliases.TryAdd("short", "cam", 5, out _));
        Assert.False(aliases.TryAdd("one-more", "cam", 0, out _));
        Assert.True(aliases.TryAdd("alias0", "cam2", 0, out _)); // replacing is no growth
        Assert.Equal(StreamAliases.MaxAliases, aliases.List().Count);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(aliases.TryAdd("one-more", "cam", 0, out _));
        Assert.False(aliases.TryAdd("yet-another", "cam", 0, out _));
    }

    [Fact]
    public void CreatedAt_is_the_wall_clock_time_of_adding()
    {
        var aliases = NewAliases();
        _time.Advance(TimeSpan.FromSeconds(42));
        Assert.True(aliases.TryAdd("a", "cam", 0, out var alias));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 12, 0, 42, TimeSpan.Zero), alias.CreatedAt);
        Assert.Throws<ArgumentOutOfRangeException>(() => aliases.TryAdd("b", "cam", StreamAliases.MaxExpirePeriod + 1, out _));
    }
}
