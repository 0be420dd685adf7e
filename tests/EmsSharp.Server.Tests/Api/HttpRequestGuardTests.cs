using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using Microsoft.AspNetCore.Http;

namespace EmsSharp.Server.Tests.Api;

public sealed class HttpRequestGuardTests
{
    private static HttpRequest Request(string? host, string method = "GET", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        if (host is not null)
            context.Request.Host = new HostString(host);
        foreach (var (name, value) in headers)
            context.Request.Headers[name] = value;
        return context.Request;
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:7777", true)]
    [InlineData("127.0.0.1", "localhost:7777", true)]
    [InlineData("127.0.0.1", "LOCALHOST.", true)]
    [InlineData("127.0.0.1", "[::1]:7777", true)]
    [InlineData("127.0.0.1", "127.0.0.2", true)]
    [InlineData("127.0.0.1", "10.0.0.5:7777", false)]
    [InlineData("127.0.0.1", "evil.example:7777", false)]
    [InlineData("127.0.0.1", "localhost.evil.example", false)]
    [InlineData("10.0.0.5", "10.0.0.5:7777", true)]
    [InlineData("10.0.0.5", "10.0.0.6", false)]
    [InlineData("0.0.0.0", "192.168.1.20:7777", true)]
    [InlineData("0.0.0.0", "ems.lan", false)]
    [InlineData("::", "[fd00::5]:7777", true)]
    [InlineData("127.0.0.1", null, true)]
    public void Host_is_the_bound_address_localhost_or_an_allowed_name(string bind, string? host, bool allowed)
    {
        var guard = new HttpRequestGuard(new HttpEndpointOptions { BindAddress = bind });
        Assert.Equal(allowed, guard.CheckCaller(Request(host)) is null);
    }

    [Fact]
    public void Allowed_hosts_add_names_and_star_allows_all()
    {
        var named = new HttpRequestGuard(new HttpEndpointOptions { AllowedHosts = ["ems.lan"] });
        Assert.Null(named.CheckCaller(Request("EMS.lan:7777")));
        Assert.NotNull(named.CheckCaller(Request("ems.lan.evil.example")));
        var any = new HttpRequestGuard(new HttpEndpointOptions { AllowedHosts = ["*"] });
        Assert.Null(any.CheckCaller(Request("whatever.example")));
    }

    [Fact]
    public void State_changing_get_needs_no_browser_headers_or_post_when_strict()
    {
        var command = new ShutdownServerCommand();
        var lenient = new HttpRequestGuard(new HttpEndpointOptions());
        Assert.Null(lenient.CheckMethod(Request("127.0.0.1"), command));
        Assert.Null(lenient.CheckMethod(Request("127.0.0.1", "POST", ("Sec-Fetch-Site", "none")), command));
        Assert.Equal(403, lenient.CheckMethod(Request("127.0.0.1", "GET", ("Sec-Fetch-Mode", "navigate")), command)!.StatusCode);
        Assert.Equal(403, lenient.CheckMethod(Request("127.0.0.1", "GET", ("Sec-Fetch-Dest", "image")), command)!.StatusCode);

        var strict = new HttpRequestGuard(new HttpEndpointOptions { RequirePostForChanges = true });
        Assert.Equal(405, strict.CheckMethod(Request("127.0.0.1"), command)!.StatusCode);
        Assert.Null(strict.CheckMethod(Request("127.0.0.1", "POST"), command));
        Assert.Null(strict.CheckMethod(Request("127.0.0.1"), new QuitCommand()));
    }
}
