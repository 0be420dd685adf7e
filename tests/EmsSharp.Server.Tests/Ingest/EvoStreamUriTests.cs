using System.Text.Json.Nodes;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>pullStream's <c>uri</c> object, member by member as EvoStream spells it (shared/EVOSTREAM-API.md §4).</summary>
public sealed class EvoStreamUriTests
{
    [Fact]
    public void A_full_uri_is_spelled_out_with_and_without_its_credentials()
    {
        const string text = "rtmp://alice:s%40cret@cam.example:1936/live/bunny.mp4?token=a%20b&flag";
        var json = EvoStreamUri.ToJson(new Uri(text), text, "192.0.2.7");

        Assert.Equal("bunny.mp4", Text(json, "document"));
        Assert.Equal("/live/", Text(json, "documentPath"));
        Assert.Equal("bunny.mp4?token=a%20b&flag", Text(json, "documentWithFullParameters"));
        Assert.Equal("/live/bunny.mp4", Text(json, "fullDocumentPath"));
        Assert.Equal("/live/bunny.mp4?token=a%20b&flag", Text(json, "fullDocumentPathWithParameters"));
        Assert.Equal("token=a%20b&flag", Text(json, "fullParameters"));
        Assert.Equal("rtmp://cam.example:1936/live/bunny.mp4?token=a%20b&flag", Text(json, "fullUri"));
        Assert.Equal("rtmp://alice:s%40cret@cam.example:1936/live/bunny.mp4?token=a%20b&flag", Text(json, "fullUriWithAuth"));
        Assert.Equal(0, json["generatedPort"]!.GetValue<int>());
        Assert.Equal("cam.example", Text(json, "host"));
        Assert.Equal("192.0.2.7", Text(json, "ip"));
        Assert.Equal(text, Text(json, "originalUri"));
        Assert.Equal("a b", json["parameters"]!["token"]!.GetValue<string>());
        Assert.Equal("", json["parameters"]!["flag"]!.GetValue<string>());
        Assert.Equal("s@cret", Text(json, "password"));
        Assert.Equal(1936, json["port"]!.GetValue<int>());
        Assert.True(json["portSpecified"]!.GetValue<bool>());
        Assert.Equal("rtmp", Text(json, "scheme"));
        Assert.Equal("alice", Text(json, "userName"));
    }

    [Theory]
    [InlineData("rtsp://10.0.0.2/stream1", 554)]
    [InlineData("rtmp://10.0.0.2/live/cam", 1935)]
    public void A_uri_without_a_port_reports_the_scheme_default(string text, int port)
    {
        var json = EvoStreamUri.ToJson(new Uri(text), text, "10.0.0.2");

        Assert.Equal(port, json["port"]!.GetValue<int>());
        Assert.False(json["portSpecified"]!.GetValue<bool>());
        Assert.Equal("", Text(json, "userName"));
        Assert.Equal("", Text(json, "fullParameters"));
        Assert.Empty(json["parameters"]!.AsObject());
        Assert.Equal(text, Text(json, "fullUriWithAuth"));
    }

    [Fact]
    public async Task A_host_that_does_not_resolve_gives_an_empty_ip()
    {
        Assert.Equal("", await EvoStreamUri.ResolveAsync(new Uri("rtsp://no-such-host.invalid/x"), TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal("127.0.0.1", await EvoStreamUri.ResolveAsync(new Uri("rtsp://127.0.0.1/x"), TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    private static string Text(JsonObject json, string name) => json[name]!.GetValue<string>();
}
