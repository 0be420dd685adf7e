using System.Net;
using EmsSharp.Rendezvous.Admin;

namespace EmsSharp.Rendezvous.Tests;

public class AdminRequestGuardTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 3030);
    private static readonly IPEndPoint Lan = new(IPAddress.Parse("192.168.1.5"), 3030);

    [Theory]
    [InlineData(null, null, null, null)] // HTTP/1.0 without Host: not a browser
    [InlineData("127.0.0.1:3030", null, null, null)] // curl
    [InlineData("127.0.0.1", null, null, null)]
    [InlineData("localhost:3030", "http://localhost:3030", "same-origin", "http://localhost:3030/ersadmin.html")]
    [InlineData("[::1]:3030", null, "none", null)] // typed into the address bar
    [InlineData("ADMIN.internal:3030", "http://admin.internal:3030", "same-origin", null)]
    public void Answered_OnLoopback(string? host, string? origin, string? site, string? referer) =>
        Assert.Null(AdminRequestGuard.Refusal(host, origin, site, referer, Loopback, ["admin.internal"]));

    [Theory]
    [InlineData("evil.example:3030", null, null, null, "DNS rebinding")]
    [InlineData("10.0.0.1:3030", null, null, null, "DNS rebinding")] // an address that is not this one
    [InlineData("127.0.0.1:3030", "http://127.0.0.1:4545", null, null, "cross-site")] // another port: another origin
    [InlineData("127.0.0.1:3030", "https://127.0.0.1:3030", null, null, "cross-site")] // another scheme
    [InlineData("127.0.0.1:3030", "null", null, null, "cross-site")] // sandboxed frame, file: page
    [InlineData("127.0.0.1:3030", null, "same-site", null, "cross-site")]
    [InlineData("127.0.0.1:3030", null, "cross-site", null, "cross-site")]
    [InlineData("127.0.0.1:3030", null, null, "http://evil.example/x", "Referer")]
    public void Refused_OnLoopback(string? host, string? origin, string? site, string? referer, string reason) =>
        Assert.Contains(reason, AdminRequestGuard.Refusal(host, origin, site, referer, Loopback, ["admin.internal"]), StringComparison.Ordinal);

    [Fact]
    public void OnALanAddress_OnlyThatAddressAndConfiguredNames_NotLocalhost()
    {
        Assert.Null(AdminRequestGuard.Refusal("192.168.1.5:3030", "http://192.168.1.5:3030", null, null, Lan, []));
        Assert.NotNull(AdminRequestGuard.Refusal("localhost:3030", null, null, null, Lan, []));
        Assert.NotNull(AdminRequestGuard.Refusal("192.168.1.6:3030", null, null, null, Lan, []));
        Assert.Null(AdminRequestGuard.Refusal("ers.lan", null, null, null, Lan, ["ers.lan"]));
    }
}
