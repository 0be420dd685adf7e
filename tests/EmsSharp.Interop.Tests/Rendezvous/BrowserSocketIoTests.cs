using EmsSharp.Rendezvous;
using EmsSharp.Server.Delivery.Ers;
using Microsoft.Playwright;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>
/// socket.io-client 0.9.16 inside Chromium, on a page from another origin (CORS handshake with
/// credentials), meets an <see cref="ErsClient"/> through <c>ers</c>.
/// </summary>
public class BrowserSocketIoTests
{
    private const string Page = """
        <!doctype html><script src="socket.io.js"></script><script>
        window.events = [];
        var socket = io.connect(location.hash.substring(1), { 'force new connection': true });
        socket.on('connect', function () {
          socket.emit('join', 'room', { token: '', streamName: 'cam', transport: 'fmp4' }, function (err, data) {
            window.ack = [err, data];
          });
        });
        socket.on('stunservers', function (d) { window.stun = d; });
        socket.on('message', function (m) { window.message = m; socket.emit('message', { to: m.from, type: 'answer', payload: { type: 'answer', sdp: 'ok' } }); });
        </script>
        """;

    [Fact]
    public async Task ChromiumCrossOrigin_JoinsAndExchangesWithErsClient()
    {
        string root = Directory.CreateTempSubdirectory("ers-browser").FullName;
        try
        {
            File.Copy(Path.Combine(NodePeer.NodeDirectory, "node_modules", "socket.io-client", "dist", "socket.io.js"),
                Path.Combine(root, "socket.io.js"));
            await File.WriteAllTextAsync(Path.Combine(root, "test.html"), Page);
            await using ErsHost web = await SocketIoClientInteropTests.StartErsAsync(o =>
            {
                o.Server.WebServerEnabled = true;
                o.Server.WebRoot = root;
            });
            await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync();
            await using ErsClient ems = new(new ErsClientOptions { Host = "127.0.0.1", Port = ers.Port, RoomId = "room" });
            ErsClientProbe probe = new(ems);
            ems.Start();
            await probe.WaitStatusAsync(ErsClientStatus.Joined);

            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            IPage page = await browser.NewPageAsync();
            await page.GotoAsync($"http://127.0.0.1:{web.Port}/test.html#http://127.0.0.1:{ers.Port}");
            await page.WaitForFunctionAsync("() => window.ack !== undefined", null, new() { Timeout = 15000 });
            Assert.Equal(ems.PeerId, await page.EvaluateAsync<string>("() => Object.keys(window.ack[1].clients)[0]"));
            Assert.True(await page.EvaluateAsync<bool>("() => window.ack[0] === null && Array.isArray(window.stun)"));

            ErsClientJoinedEventArgs joined = await ErsClientProbe.NextAsync(probe.Joins);
            Assert.Equal("cam", joined.StreamName);
            Assert.True(await ems.SendMessageAsync(new { to = joined.Id, type = "offer", payload = new { type = "offer", sdp = "v=0" } }));
            await page.WaitForFunctionAsync("() => window.message !== undefined", null, new() { Timeout = 15000 });
            ErsMessageEventArgs answer = await ErsClientProbe.NextAsync(probe.Messages);
            Assert.Equal(joined.Id, answer.From);
            Assert.Equal("ok", answer.Payload.GetProperty("sdp").GetString());

            await page.CloseAsync();
            Assert.Equal(joined.Id, (await ErsClientProbe.NextAsync(probe.Removes)).Id);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
