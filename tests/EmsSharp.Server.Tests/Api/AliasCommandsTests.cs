using System.Text.Json;
using EmsSharp.Server.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// The alias commands in the shapes shared/EVOSTREAM-API.md §4 (Aliases) and §1 (descriptions) give: member names in
/// ordinal order, JSON types, <c>[]</c> for an empty list (§0, §7: the web UI reads <c>data.length</c>), FAILs naming the
/// parameter or the alias, both spellings of removeGroupNameAlias. The stream alias table runs on fake time.
/// </summary>
public sealed class AliasCommandsTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private Task<TestEms> StartAsync() =>
        TestEms.StartAsync(_folder, services: s => s.AddSingleton(new StreamAliases(_time, NullLogger<StreamAliases>.Instance)));

    [Fact]
    public async Task Stream_alias_commands_answer_EvoStreams_shapes_and_descriptions()
    {
        await using var ems = await StartAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var empty = await cli.JsonAsync("listStreamAliases");
        Assert.Equal(("SUCCESS", "Currently available aliases"), (empty.Status(), empty.Description()));
        Assert.Equal(JsonValueKind.Array, empty.Data().ValueKind);
        Assert.Equal(0, empty.Data().GetArrayLength());

        var added = await cli.JsonAsync("addStreamAlias localStreamName=cam aliasName=secret");
        Assert.Equal(("SUCCESS", "Alias applied"), (added.Status(), added.Description()));
        AssertMembers(added.Data(), "aliasName", "expirePeriod", "localStreamName");
        Assert.Equal("secret", added.Data().GetProperty("aliasName").GetString());
        Assert.Equal("cam", added.Data().GetProperty("localStreamName").GetString());
        Assert.Equal(-600, added.Data().GetProperty("expirePeriod").GetInt64()); // the documented default, a number
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("SUCCESS", (await cli.JsonAsync("addStreamAlias localStreamName=cam aliasName=always expirePeriod=0")).Status());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("addStreamAlias localStreamName=cam2 aliasName=Later expirePeriod=30")).Status());

        var list = await cli.JsonAsync("listStreamAliases");
        var items = list.Data().EnumerateArray().ToList();
        Assert.Equal(["Later", "always", "secret"], items.Select(i => i.GetProperty("aliasName").GetString()));
        foreach (var item in items)
            AssertMembers(item, "aliasName", "creationTime", "expirePeriod", "localStreamName", "oneShot", "permanent");
        var secret = items[2];
        Assert.Equal(JsonValueKind.Number, secret.GetProperty("creationTime").ValueKind);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds() - 5, secret.GetProperty("creationTime").GetInt64()); // unix seconds, integer
        Assert.Equal((true, false), (secret.GetProperty("oneShot").GetBoolean(), secret.GetProperty("permanent").GetBoolean()));
        Assert.Equal((false, true), (items[1].GetProperty("oneShot").GetBoolean(), items[1].GetProperty("permanent").GetBoolean()));
        Assert.Equal((false, false), (items[0].GetProperty("oneShot").GetBoolean(), items[0].GetProperty("permanent").GetBoolean()));
        Assert.Equal(30, items[0].GetProperty("expirePeriod").GetInt64());

        // Expired aliases leave the list: the one-shot after 600 s, the 30 s one after 30.
        _time.Advance(TimeSpan.FromSeconds(595));
        Assert.Equal(["always"], (await cli.JsonAsync("listStreamAliases")).Data().EnumerateArray().Select(i => i.GetProperty("aliasName").GetString()));

        var removed = await cli.JsonAsync("removeStreamAlias aliasName=always");
        Assert.Equal(("SUCCESS", "Alias removed"), (removed.Status(), removed.Description()));
        AssertMembers(removed.Data(), "aliasName");
        Assert.Equal("always", removed.Data().GetProperty("aliasName").GetString());
        var unknown = await cli.JsonAsync("removeStreamAlias aliasName=always");
        Assert.Equal("FAIL", unknown.Status());
        Assert.Contains("always", unknown.Description(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, unknown.Data().ValueKind);

        Assert.Equal("SUCCESS", (await cli.JsonAsync("addStreamAlias localStreamName=cam aliasName=x expirePeriod=0")).Status());
        var flushed = await cli.JsonAsync("flushStreamAliases");
        Assert.Equal(("SUCCESS", "All aliases are flushed"), (flushed.Status(), flushed.Description()));
        Assert.Equal(JsonValueKind.Null, flushed.Data().ValueKind);
        Assert.Equal(0, (await cli.JsonAsync("listStreamAliases")).Data().GetArrayLength());
    }

    [Theory]
    [InlineData("addStreamAlias?aliasname=a", "localstreamname")]
    [InlineData("addStreamAlias?localstreamname=cam", "aliasname")]
    [InlineData("addStreamAlias?localstreamname=&aliasname=a", "localstreamname")]
    [InlineData("addStreamAlias?localstreamname=cam&aliasname=a%01b", "aliasname")]
    [InlineData("addStreamAlias?localstreamname=cam&aliasname=a&expireperiod=soon", "expireperiod")]
    [InlineData("addStreamAlias?localstreamname=cam&aliasname=a&expireperiod=31536001", "expireperiod")]
    [InlineData("addStreamAlias?localstreamname=cam&aliasname=a&expireperiod=-31536001", "expireperiod")]
    [InlineData("removeStreamAlias", "aliasname")]
    [InlineData("addGroupNameAlias?aliasname=a", "groupname")]
    [InlineData("addGroupNameAlias?groupname=g&aliasname=%0a", "aliasname")]
    [InlineData("getGroupNameByAlias", "aliasname")]
    [InlineData("removeGroupNameAlias", "aliasname")]
    [InlineData("removeGroupNameAliases", "aliasname")]
    public async Task A_bad_or_missing_parameter_is_a_FAIL_naming_it(string request, string parameter)
    {
        await using var ems = await StartAsync();
        var reply = await ems.HttpAsync(request);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains(parameter, reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, (await ems.HttpAsync("listStreamAliases")).Data().GetArrayLength());
    }

    [Fact]
    public async Task A_name_longer_than_256_characters_is_refused_and_256_is_accepted()
    {
        await using var ems = await StartAsync();
        Assert.Equal("FAIL", (await ems.HttpAsync("addStreamAlias?localstreamname=cam&aliasname=" + new string('a', 257))).Status());
        Assert.Equal("SUCCESS", (await ems.HttpAsync("addStreamAlias?localstreamname=cam&aliasname=" + new string('a', 256))).Status());
    }

    [Fact]
    public async Task Group_name_alias_commands_answer_aliasName_and_groupName_and_accept_both_remove_spellings()
    {
        await using var ems = await StartAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var empty = await cli.JsonAsync("listGroupNameAliases");
        Assert.Equal(("SUCCESS", "Currently available group name aliases"), (empty.Status(), empty.Description()));
        Assert.Equal(0, empty.Data().GetArrayLength());

        var added = await cli.JsonAsync("addGroupNameAlias groupName=hls_group_1 aliasName=g1");
        Assert.Equal(("SUCCESS", "Alias applied to group name"), (added.Status(), added.Description()));
        AssertPair(added.Data(), "g1", "hls_group_1");
        Assert.Equal("SUCCESS", (await cli.JsonAsync("addGroupNameAlias groupName=hls_group_2 aliasName=G2")).Status());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("addGroupNameAlias groupName=hls_group_3 aliasName=g3")).Status());

        var got = await cli.JsonAsync("getGroupNameByAlias aliasName=g1");
        Assert.Equal(("SUCCESS", "Group name"), (got.Status(), got.Description()));
        AssertPair(got.Data(), "g1", "hls_group_1");
        var unknown = await cli.JsonAsync("getGroupNameByAlias aliasName=nope");
        Assert.Equal("FAIL", unknown.Status());
        Assert.Contains("nope", unknown.Description(), StringComparison.Ordinal);

        var list = (await cli.JsonAsync("listGroupNameAliases")).Data().EnumerateArray().ToList();
        Assert.Equal(["G2", "g1", "g3"], list.Select(i => i.GetProperty("aliasName").GetString()));
        AssertPair(list[0], "G2", "hls_group_2");

        foreach (var (command, alias, group) in new[] { ("removeGroupNameAlias", "g1", "hls_group_1"), ("removeGroupNameAliases", "G2", "hls_group_2") })
        {
            var removed = await cli.JsonAsync($"{command} aliasName={alias}");
            Assert.Equal(("SUCCESS", "Group Alias removed"), (removed.Status(), removed.Description()));
            AssertPair(removed.Data(), alias, group);
            var again = await cli.JsonAsync($"{command} aliasName={alias}");
            Assert.Equal("FAIL", again.Status());
            Assert.Contains(alias, again.Description(), StringComparison.Ordinal);
        }

        var flushed = await cli.JsonAsync("flushGroupNameAliases");
        Assert.Equal(("SUCCESS", "All group name aliases are flushed"), (flushed.Status(), flushed.Description()));
        Assert.Equal(JsonValueKind.Null, flushed.Data().ValueKind);
        Assert.Equal(0, (await cli.JsonAsync("listGroupNameAliases")).Data().GetArrayLength());
    }

    [Fact]
    public async Task Help_lists_the_alias_commands_as_real_ones_not_as_not_yet_available()
    {
        await using var ems = await StartAsync();
        await using var cli = await ems.ConnectJsonAsync();
        var help = (await cli.JsonAsync("help")).Data().EnumerateArray()
            .ToDictionary(c => c.GetProperty("command").GetString()!, c => c.GetProperty("description").GetString()!);
        foreach (var name in new[]
                 {
                     "addStreamAlias", "listStreamAliases", "removeStreamAlias", "flushStreamAliases", "addGroupNameAlias",
                     "getGroupNameByAlias", "removeGroupNameAlias", "removeGroupNameAliases", "listGroupNameAliases", "flushGroupNameAliases",
                 })
        {
            Assert.DoesNotContain("Not available", help[name], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_full_table_is_a_FAIL_that_says_so()
    {
        await using var ems = await StartAsync();
        var aliases = ems.Host.Services.GetRequiredService<StreamAliases>();
        for (var i = 0; i < StreamAliases.MaxAliases; i++)
            Assert.True(aliases.TryAdd("a" + i, "cam", 0, out _));
        var reply = await ems.HttpAsync("addStreamAlias?localstreamname=cam&aliasname=more");
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains("10000 stream aliases already exist", reply.Description(), StringComparison.Ordinal);
    }

    private static void AssertMembers(JsonElement item, params string[] names) =>
        Assert.Equal(names, item.EnumerateObject().Select(p => p.Name)); // exactly these, in ordinal order (§0)

    private static void AssertPair(JsonElement item, string aliasName, string groupName)
    {
        AssertMembers(item, "aliasName", "groupName");
        Assert.Equal((aliasName, groupName), (item.GetProperty("aliasName").GetString(), item.GetProperty("groupName").GetString()));
    }
}
