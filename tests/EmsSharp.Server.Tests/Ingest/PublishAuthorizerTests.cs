using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

public sealed class PublishAuthorizerTests
{
    private static PublishAuthorizer With(params (string Name, string Key)[] keys)
    {
        var options = new IngestOptions();
        foreach (var (name, key) in keys)
            options.PublishKeys[name] = key;
        return new PublishAuthorizer(Options.Create(options));
    }

    [Theory]
    [InlineData("cam", "cam")]
    [InlineData("cam?key=anything&x=1", "cam")]
    public void Without_keys_anyone_publishes_a_valid_name(string requested, string name)
    {
        var authorizer = With();
        Assert.False(authorizer.KeysRequired);
        Assert.True(authorizer.TryAuthorize(requested, out var granted, out _));
        Assert.Equal(name, granted);
    }

    [Theory]
    [InlineData("cam?key=s3cret", true, "")]
    [InlineData("cam?x=1&key=s3cret", true, "")]
    [InlineData("cam?key=s3cre", false, "wrong publish key")]
    [InlineData("cam", false, "a publish key is required")]
    [InlineData("cam?token=s3cret", false, "a publish key is required")]
    [InlineData("other?key=fallback", true, "")]
    [InlineData("other?key=s3cret", false, "wrong publish key")]
    [InlineData("bad name?key=s3cret", false, "may only hold")]
    public void With_keys_only_the_names_key_or_the_fallback_admits(string requested, bool allowed, string reason)
    {
        var authorizer = With(("cam", "s3cret"), ("*", "fallback"));
        Assert.True(authorizer.KeysRequired);
        Assert.Equal(allowed, authorizer.TryAuthorize(requested, out _, out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_with_no_key_and_no_fallback_is_refused()
    {
        Assert.False(With(("cam", "s3cret")).TryAuthorize("other?key=s3cret", out var name, out var reason));
        Assert.Equal("other", name);
        Assert.Equal("no publish key is configured for stream other", reason);
    }

    [Fact]
    public void An_escaped_key_is_compared_unescaped()
    {
        Assert.True(With(("cam", "a b+c")).TryAuthorize("cam?key=a%20b%2Bc", out _, out _));
    }
}
