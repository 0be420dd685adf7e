using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Api;

/// <summary><c>setAuthentication</c> against a running ems: EvoStream's reply <c>{enabled}</c>, and what it switches.</summary>
public sealed class SetAuthenticationCommandTests
{
    [Fact]
    public async Task Turning_publish_keys_off_and_on_is_answered_logged_and_applied()
    {
        await using var ems = await TestEms.StartAsync(services: s => s.Configure<IngestOptions>(o => o.PublishKeys["cam"] = "s3cret"));
        var publishers = ems.Host.Services.GetRequiredService<PublishAuthorizer>();

        var off = await ems.HttpAsync("setAuthentication?enabled=0");
        Assert.Equal("SUCCESS", off.Status());
        Assert.False(off.Data().GetProperty("enabled").GetBoolean());
        Assert.True(publishers.IsOpen);
        await ems.Logs.WaitForAsync("Publish authentication disabled by setAuthentication over the Http API");

        var on = await ems.HttpAsync("setAuthentication?enabled=1");
        Assert.True(on.Data().GetProperty("enabled").GetBoolean());
        Assert.False(publishers.IsOpen);
    }

    [Fact]
    public async Task With_nothing_configured_enabling_fails_and_names_the_parameter()
    {
        await using var ems = await TestEms.StartAsync();

        var on = await ems.HttpAsync("setAuthentication?enabled=1");
        Assert.Equal("FAIL", on.Status());
        Assert.Contains("enabled", on.Description(), StringComparison.Ordinal);
        Assert.Contains("Ingest:PublishKeys", on.Description(), StringComparison.Ordinal);

        var missing = await ems.HttpAsync("setAuthentication");
        Assert.Equal("FAIL", missing.Status());
        Assert.Contains("enabled", missing.Description(), StringComparison.Ordinal);

        Assert.Equal("SUCCESS", (await ems.HttpAsync("setAuthentication?enabled=0")).Status());
    }
}
