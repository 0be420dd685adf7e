using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

public sealed class PublishAuthorizerTests
{
    private readonly StreamHub _hub = new();

    private PublishAuthorizer With(Action<IngestOptions> configure)
    {
        var options = new IngestOptions();
        configure(options);
        return new PublishAuthorizer(Options.Create(options), _hub, TimeProvider.System);
    }

    private PublishAuthorizer WithKeys(params (string Name, string Key)[] keys) => With(o =>
    {
        foreach (var (name, key) in keys)
            o.PublishKeys[name] = key;
    });

    private static Task<PublishDecision> Ask(PublishAuthorizer authorizer, string requested, PresentedCredentials? presented = null) =>
        authorizer.AuthorizeAsync(new PublishRequest("RTMP", requested, null, "live", presented), CancellationToken.None);

    [Theory]
    [InlineData("cam", "cam")]
    [InlineData("cam?key=anything&x=1", "cam")]
    public async Task Without_credentials_anyone_publishes_a_valid_name(string requested, string name)
    {
        using var authorizer = With(_ => { });
        Assert.True(authorizer.IsOpen);
        var decision = await Ask(authorizer, requested);
        Assert.True(decision.Allowed);
        Assert.Equal(name, decision.Name);
        Assert.Null(decision.Credential);
    }

    [Theory]
    [InlineData("cam?key=s3cret", true, "")]
    [InlineData("cam?x=1&key=s3cret", true, "")]
    [InlineData("cam?key=s3cre", false, "wrong publish key or user/password")]
    [InlineData("cam", false, "publish credentials are required")]
    [InlineData("cam?token=s3cret", false, "publish credentials are required")]
    [InlineData("cam?xkey=s3cret", false, "publish credentials are required")]
    [InlineData("other?key=fallback", true, "")]
    [InlineData("other?key=s3cret", false, "wrong publish key")]
    [InlineData("bad name?key=s3cret", false, "may only hold")]
    public async Task With_keys_only_the_names_key_or_the_fallback_admits(string requested, bool allowed, string reason)
    {
        using var authorizer = WithKeys(("cam", "s3cret"), ("*", "fallback"));
        Assert.False(authorizer.IsOpen);
        var decision = await Ask(authorizer, requested);
        Assert.Equal(allowed, decision.Allowed);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_enforced_anyone_publishes_and_nobody_takes_a_name_over()
    {
        using var authorizer = WithKeys(("cam", "s3cret"));
        authorizer.Enforced = false;
        Assert.True(authorizer.IsOpen);
        Assert.True(authorizer.IsConfigured);
        var open = await Ask(authorizer, "cam");
        Assert.True(open.Allowed);
        Assert.Null(open.Credential); // no credential: no takeover, as with open publishing

        authorizer.Enforced = true;
        Assert.False(authorizer.IsOpen);
        Assert.False((await Ask(authorizer, "cam")).Allowed);
        Assert.True((await Ask(authorizer, "cam?key=s3cret")).Allowed);
    }

    [Fact]
    public async Task Nothing_presented_is_told_apart_from_a_wrong_key()
    {
        using var authorizer = WithKeys(("cam", "s3cret"));
        Assert.True((await Ask(authorizer, "cam")).CredentialsMissing);
        Assert.False((await Ask(authorizer, "cam?key=no")).CredentialsMissing);
    }

    [Fact]
    public async Task A_name_with_no_credentials_and_no_fallback_is_refused()
    {
        using var authorizer = WithKeys(("cam", "s3cret"));
        var decision = await Ask(authorizer, "other?key=s3cret");
        Assert.False(decision.Allowed);
        Assert.Equal("other", decision.Name);
        Assert.Equal("no publish credentials are configured for stream other", decision.Reason);
    }

    [Fact]
    public async Task An_escaped_key_is_compared_unescaped()
    {
        using var authorizer = WithKeys(("cam", "a b+c"));
        Assert.True((await Ask(authorizer, "cam?key=a%20b%2Bc")).Allowed);
    }

    [Fact]
    public async Task A_query_longer_than_the_bound_is_refused_without_looking_further()
    {
        using var authorizer = With(_ => { });
        var decision = await Ask(authorizer, "cam?pad=" + new string('x', 1100));
        Assert.False(decision.Allowed);
        Assert.Contains("longer than 1024", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cam?user=bob&pass=pw:1", true)]
    [InlineData("cam?pass=pw:1&user=bob", true)]
    [InlineData("cam?user=bob&pass=pw", false)]
    [InlineData("cam?user=eve&pass=pw:1", false)]
    [InlineData("cam?pass=pw:1", false)]
    [InlineData("cam?key=pw:1", false)]
    public async Task A_user_entry_needs_both_the_user_and_its_password(string requested, bool allowed)
    {
        using var authorizer = With(o => o.PublishUsers["cam"] = "bob:pw:1");
        Assert.Equal(allowed, (await Ask(authorizer, requested)).Allowed);
    }

    [Fact]
    public async Task A_name_with_a_key_and_a_user_accepts_either_as_a_different_credential()
    {
        using var authorizer = With(o =>
        {
            o.PublishKeys["cam"] = "k";
            o.PublishUsers["*"] = "bob:pw";
        });
        var byKey = await Ask(authorizer, "cam?key=k");
        var byUser = await Ask(authorizer, "cam?user=bob&pass=pw");
        Assert.True(byKey.Allowed);
        Assert.True(byUser.Allowed);
        Assert.NotEqual(byKey.Credential, byUser.Credential);
    }

    [Fact]
    public async Task Credentials_presented_outside_the_query_are_checked_by_their_verifier()
    {
        using var authorizer = With(o =>
        {
            o.PublishUsers["cam"] = "bob:pw";
            o.PublishKeys["*"] = "k";
        });
        Assert.True((await Ask(authorizer, "cam", new PresentedCredentials("bob", p => p == "pw"))).Allowed);
        Assert.False((await Ask(authorizer, "cam", new PresentedCredentials("eve", p => p == "pw"))).Allowed);

        // A key is a password with any user name (rtsp://anyone:KEY@host/name).
        Assert.True((await Ask(authorizer, "other", new PresentedCredentials("anyone", p => p == "k"))).Allowed);
        Assert.False((await Ask(authorizer, "other", new PresentedCredentials("anyone", p => p == "x"))).Allowed);
    }

    [Fact]
    public async Task The_same_credentials_take_a_live_name_over_and_end_the_old_stream()
    {
        using var authorizer = WithKeys(("cam", "s3cret"));
        var first = await Ask(authorizer, "cam?key=s3cret");
        Assert.True(authorizer.TryPublish(first, StreamOrigin.Unspecified, out var old, out var tookOver));
        Assert.False(tookOver);

        var second = await Ask(authorizer, "cam?key=s3cret");
        Assert.False(authorizer.IsHeldByAnother(second));
        Assert.True(authorizer.TryPublish(second, StreamOrigin.Unspecified, out var current, out tookOver));
        Assert.True(tookOver);
        Assert.True(old.IsClosed);
        Assert.True(_hub.TryGetStream("cam", out var live));
        Assert.Same(current, live);
    }

    [Fact]
    public async Task Other_credentials_do_not_take_a_live_name_over()
    {
        using var authorizer = With(o =>
        {
            o.PublishKeys["cam"] = "k";
            o.PublishUsers["cam"] = "bob:pw";
        });
        Assert.True(authorizer.TryPublish(await Ask(authorizer, "cam?key=k"), StreamOrigin.Unspecified, out var held, out _));
        var other = await Ask(authorizer, "cam?user=bob&pass=pw");
        Assert.True(authorizer.IsHeldByAnother(other));
        Assert.False(authorizer.TryPublish(other, StreamOrigin.Unspecified, out _, out _));
        Assert.False(held.IsClosed);
    }

    [Fact]
    public async Task Open_publishing_never_takes_a_live_name_over()
    {
        using var authorizer = With(_ => { });
        Assert.True(authorizer.TryPublish(await Ask(authorizer, "cam"), StreamOrigin.Unspecified, out var held, out _));
        Assert.False(authorizer.TryPublish(await Ask(authorizer, "cam"), StreamOrigin.Unspecified, out _, out _));
        Assert.False(held.IsClosed);
    }

    [Fact]
    public async Task Takeover_can_be_turned_off()
    {
        using var authorizer = With(o =>
        {
            o.PublishKeys["cam"] = "k";
            o.OverridePublisher = false;
        });
        Assert.True(authorizer.TryPublish(await Ask(authorizer, "cam?key=k"), StreamOrigin.Unspecified, out var held, out _));
        Assert.False(authorizer.TryPublish(await Ask(authorizer, "cam?key=k"), StreamOrigin.Unspecified, out _, out _));
        Assert.False(held.IsClosed);
    }

    [Fact]
    public async Task A_pulled_or_file_stream_is_never_taken_over()
    {
        using var authorizer = WithKeys(("*", "k"));
        Assert.True(_hub.TryPublish("cam", out var pulled));
        var decision = await Ask(authorizer, "cam?key=k");
        Assert.True(authorizer.IsHeldByAnother(decision));
        Assert.False(authorizer.TryPublish(decision, StreamOrigin.Unspecified, out _, out _));
        Assert.False(pulled.IsClosed);
    }

    [Fact]
    public async Task An_ended_holder_frees_the_name_for_anyone_with_credentials()
    {
        using var authorizer = With(o =>
        {
            o.PublishKeys["cam"] = "k";
            o.PublishUsers["cam"] = "bob:pw";
        });
        Assert.True(authorizer.TryPublish(await Ask(authorizer, "cam?key=k"), StreamOrigin.Unspecified, out var held, out _));
        held.Dispose();
        Assert.True(authorizer.TryPublish(await Ask(authorizer, "cam?user=bob&pass=pw"), StreamOrigin.Unspecified, out _, out var tookOver));
        Assert.False(tookOver);
    }
}
