using System.Net;
using System.Text;
using EmsSharp.Server.Tests;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// The ems API against web pages (issue 12): any page could GET <c>/shutdownServer</c> (<c>&lt;img src=...&gt;</c>), read
/// replies by DNS rebinding, and POST commands to the CLIs; EvoStream's scripts must keep working.
/// </summary>
internal static class ApiProbes
{
    public static IEnumerable<Probe> All => [CrossSite, Rebinding, Scripts, PostToTheClis];

    private static Probe CrossSite => new("HTTP API: a cross-site page's GET or POST /shutdownServer is refused and the server keeps running", async (rig, token) =>
    {
        (string, string)[][] pages =
        [
            [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "no-cors"), ("Sec-Fetch-Dest", "image")], // <img src=...>
            [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "cors")], // fetch()
            [("Origin", "null")], // a sandboxed frame, a file: page
        ];
        foreach (var headers in pages)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
            {
                var (status, reply) = await rig.ApiAsync(method, "shutdownServer", token, headers);
                Assert.Equal((HttpStatusCode.Forbidden, "FAIL"), (status, reply.Status()));
                Assert.Contains("refused", reply.Description(), StringComparison.Ordinal);
            }
        }

        Assert.False(rig.Ems.ApplicationStopping.IsCancellationRequested, "the server is stopping");
        return $"{pages.Length * 2} requests: 403";
    });

    private static Probe Rebinding => new("HTTP API: a DNS-rebinding Host is refused (nothing runs, nothing is read)", async (rig, token) =>
    {
        var host = ("Host", $"evil.example:{rig.HttpApi.Port}");
        var (started, startReply) = await rig.ApiAsync(HttpMethod.Get, StartRoom(rig, "rebound"), token, host);
        var (listed, _) = await rig.ApiAsync(HttpMethod.Get, "listConfig", token, host);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (started, listed));
        Assert.Contains("Api:Http:AllowedHosts", startReply.Description(), StringComparison.Ordinal);
        var (_, config) = await rig.ApiAsync(HttpMethod.Get, "listConfig", token);
        Assert.Equal(1, config.Data().GetProperty("webrtc").GetArrayLength()); // the rig's own room only
        return "startWebrtc and listConfig: 403";
    });

    private static Probe Scripts => new("HTTP API: EvoStream scripts' plain GETs (no browser headers) still read and change state", async (rig, token) =>
    {
        foreach (var command in new[] { "version", "help", "listStreams", "listConfig", $"getConfigInfo?id={rig.Rig.ConfigId}" })
        {
            var (status, reply) = await rig.ApiAsync(HttpMethod.Get, command, token);
            Assert.Equal((HttpStatusCode.OK, "SUCCESS"), (status, reply.Status()));
        }

        var (_, started) = await rig.ApiAsync(HttpMethod.Get, StartRoom(rig, "script"), token);
        var (_, stopped) = await rig.ApiAsync(HttpMethod.Get, "stopWebrtc?roomid=script", token);
        Assert.Equal(("SUCCESS", "SUCCESS"), (started.Status(), stopped.Status()));
        return "5 reading commands and startWebrtc/stopWebrtc: SUCCESS";
    });

    private static Probe PostToTheClis => new("CLIs: a web page's HTTP POST to the ASCII and JSON CLI ports is dropped and runs nothing", async (rig, token) =>
    {
        var replies = 0;
        foreach (var cli in new[] { rig.AsciiCli, rig.JsonCli })
        {
            await using var client = await CliClient.ConnectAsync(cli, rig.NextAttacker());
            await client.Stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST / HTTP/1.1\r\nHost: {cli}\r\nOrigin: https://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 34\r\n\r\n" +
                "stopWebrtc\nshutdownServer\nversion\n"), token);
            try
            {
                while (await client.ReadLineAsync() is { } line)
                {
                    rig.Replies.Add("CLI after a POST", line);
                    replies++;
                }
            }
            catch (IOException)
            {
                // closed with our unread lines in its buffer: a reset instead of an end of stream
            }
        }

        Assert.Equal(0, replies);
        Assert.False(rig.Ems.ApplicationStopping.IsCancellationRequested, "the server is stopping");
        var (_, config) = await rig.ApiAsync(HttpMethod.Get, "listConfig", token);
        Assert.Equal(1, config.Data().GetProperty("webrtc").GetArrayLength());
        return "both connections closed without a reply; nothing ran";
    });

    /// <summary>A startWebrtc to the rig's ers (no token: the ers refuses its join, and it retries until stopped).</summary>
    private static string StartRoom(AdversarialRig rig, string room) => $"startWebrtc?ersip=127.0.0.1&ersport={rig.Ers.Port}&roomid={room}";
}
