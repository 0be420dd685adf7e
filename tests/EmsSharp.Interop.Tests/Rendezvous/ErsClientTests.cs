using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Server;
using EmsSharp.Server.Delivery.Ers;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>The EMS-side <see cref="ErsClient"/> against <c>ers</c> and against the real socket.io@0.9.19 server.</summary>
public class ErsClientTests
{
    private static ErsClientOptions Options(int port, string room = "room", string token = "") =>
        new() { Host = "127.0.0.1", Port = port, RoomId = room, Token = token };

    [Fact]
    public async Task AgainstErs_JoinsGetsIceServers_ClientJoined_Messages_Remove_Leave()
    {
        await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync(o =>
            o.StunServers.Add(JsonSerializer.SerializeToElement(new { url = "stun:stun.example:3478" })));
        await using ErsClient client = new(Options(ers.Port));
        ErsClientProbe probe = new(client);
        client.Start();
        await probe.WaitStatusAsync(ErsClientStatus.Joined);
        Assert.True(client.IsJoined);
        Assert.Equal("stun:stun.example:3478", client.StunServers[0].GetProperty("url").GetString());
        Assert.Empty(client.TurnServers);

        NodePeer browser = NodePeer.Start("sio-client.js", $"http://127.0.0.1:{ers.Port}");
        await using (browser)
        {
            string browserId = (await browser.WaitAsync("connect")).GetProperty("id").GetString()!;
            await browser.SendAsync(new { cmd = "join", room = "room", opts = new { token = "", streamName = "cam", transport = "fmp4" } });
            JsonElement ack = (await browser.WaitAsync("ack")).GetProperty("args");
            Assert.True(ack[1].GetProperty("clients").GetProperty(client.PeerId!).GetProperty("ems").GetBoolean());

            ErsClientJoinedEventArgs joined = await ErsClientProbe.NextAsync(probe.Joins);
            Assert.Equal((browserId, "cam", "fmp4"), (joined.Id, joined.StreamName, joined.Transport));

            Assert.True(await client.SendMessageAsync(new { to = browserId, sid = "s", roomType = "video", type = "offer", payload = new { type = "offer", sdp = "v=0" }, prefix = "webkit" }));
            JsonElement offer = (await browser.WaitAsync("message")).GetProperty("data");
            Assert.Equal(client.PeerId, offer.GetProperty("from").GetString());

            await browser.SendAsync(new { cmd = "message", msg = new { to = client.PeerId, type = "answer", payload = new { type = "answer", sdp = "a=x" } } });
            ErsMessageEventArgs answer = await ErsClientProbe.NextAsync(probe.Messages);
            Assert.Equal(browserId, answer.From);
            Assert.Equal("answer", answer.Type);
            Assert.Equal("a=x", answer.Payload.GetProperty("sdp").GetString());

            await browser.SendAsync(new { cmd = "exit" });
            Assert.Equal(browserId, (await ErsClientProbe.NextAsync(probe.Removes)).Id);
        }

        // StopAsync leaves cleanly: the room is free for another EMS at once.
        await client.StopAsync();
        Assert.Equal(ErsClientStatus.Stopped, client.Status);
        await using ErsClient next = new(Options(ers.Port));
        ErsClientProbe nextProbe = new(next);
        next.Start();
        await nextProbe.WaitStatusAsync(ErsClientStatus.Joined);
    }

    [Fact]
    public async Task AgainstErs_SecondEmsRefused_ReportedAndRetried_FirstUndisturbed()
    {
        await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync();
        await using ErsClient first = new(Options(ers.Port));
        ErsClientProbe firstProbe = new(first);
        first.Start();
        await firstProbe.WaitStatusAsync(ErsClientStatus.Joined);

        await using ErsClient second = new(Options(ers.Port));
        ErsClientProbe secondProbe = new(second);
        second.Start();
        Assert.Equal("room taken", (await secondProbe.WaitStatusAsync(ErsClientStatus.Refused)).Description);
        await secondProbe.WaitStatusAsync(ErsClientStatus.Reconnecting);
        Assert.Equal("room taken", (await secondProbe.WaitStatusAsync(ErsClientStatus.Refused)).Description);
        Assert.True(first.IsJoined);

        // When the first leaves, the retrying second gets the room.
        await first.StopAsync();
        await secondProbe.WaitStatusAsync(ErsClientStatus.Joined, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task AgainstErs_BadEmsToken_Refused_WithoutKeepAliveStops()
    {
        await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync(o => o.EmsTokens.Add(new("good")));
        await using ErsClient bad = new(Options(ers.Port, token: "bad") with { KeepAlive = false });
        ErsClientProbe probe = new(bad);
        bad.Start();
        Assert.Equal("invalid token", (await probe.WaitStatusAsync(ErsClientStatus.Refused)).Description);
        await probe.WaitStatusAsync(ErsClientStatus.Stopped);

        await using ErsClient good = new(Options(ers.Port, token: "good"));
        ErsClientProbe goodProbe = new(good);
        good.Start();
        await goodProbe.WaitStatusAsync(ErsClientStatus.Joined);
    }

    [Fact]
    public async Task ErsRestartedOnSamePort_KeepAliveClientBackInRoomWithinTwoSeconds()
    {
        ErsHost ers = await SocketIoClientInteropTests.StartErsAsync();
        int port = ers.Port;
        await using ErsClient client = new(Options(port));
        ErsClientProbe probe = new(client);
        client.Start();
        await probe.WaitStatusAsync(ErsClientStatus.Joined);
        string firstId = client.PeerId!;

        await ers.DisposeAsync();
        await probe.WaitStatusAsync(ErsClientStatus.Disconnected);
        ErsOptions options = ers.Options;
        options.Server.Port = port;
        Stopwatch restart = Stopwatch.StartNew();
        await using ErsHost again = await ErsHost.StartAsync(options, null, NullLoggerFactory.Instance);
        await probe.WaitStatusAsync(ErsClientStatus.Joined, TimeSpan.FromSeconds(2) - restart.Elapsed);
        Assert.NotEqual(firstId, client.PeerId);

        NodePeer browser = NodePeer.Start("sio-client.js", $"http://127.0.0.1:{port}");
        await using (browser)
        {
            await browser.WaitAsync("connect");
            await browser.SendAsync(new { cmd = "join", room = "room", opts = new { streamName = "cam", transport = "fmp4" } });
            JsonElement ack = (await browser.WaitAsync("ack")).GetProperty("args");
            Assert.True(ack[1].GetProperty("clients").TryGetProperty(client.PeerId!, out _));
        }
    }

    [Fact]
    public async Task SecureErs_ClientConnectsOverWss()
    {
        string dir = Directory.CreateTempSubdirectory("ers-tls").FullName;
        try
        {
            using System.Security.Cryptography.RSA key = System.Security.Cryptography.RSA.Create(2048);
            System.Security.Cryptography.X509Certificates.CertificateRequest request = new(
                "CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(dir, "server.cert"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "server.key"), key.ExportPkcs8PrivateKeyPem());
            await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync(o =>
            {
                o.Server.Secure = true;
                o.BaseDirectory = dir;
            });
            Assert.Equal("https", ers.LoopbackUri.Scheme);
            await using ErsClient client = new(Options(ers.Port) with { OverSsl = true, AllowUntrustedCertificate = true });
            ErsClientProbe probe = new(client);
            client.Start();
            await probe.WaitStatusAsync(ErsClientStatus.Joined);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(0, 0.0, 125)]
    [InlineData(0, 1.0, 250)]
    [InlineData(1, 1.0, 500)]
    [InlineData(3, 1.0, 2000)]
    [InlineData(6, 1.0, 10000)]
    [InlineData(40, 0.0, 5000)]
    public void Backoff_FirstRetryWithinOneSecond_CappedAtTen(int failures, double random, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ErsClient.Backoff(failures, TimeSpan.FromSeconds(10), random));
    }

    [Fact]
    public async Task AgainstRealSocketIo0919Server_JoinsAndRelays()
    {
        await using NodePeer server = NodePeer.Start("sio-server.js");
        int port = (await server.WaitAsync("listening")).GetProperty("port").GetInt32();
        await using ErsClient client = new(Options(port));
        ErsClientProbe probe = new(client);
        client.Start();
        await probe.WaitStatusAsync(ErsClientStatus.Joined);
        JsonElement join = await server.WaitAsync("join");
        Assert.Equal("ems", join.GetProperty("role").GetString());
        Assert.Equal(client.Instance, join.GetProperty("instance").GetString()); // ours, ignored by EvoStream's ERS
        Assert.Equal("stun:127.0.0.1:3478", client.StunServers[0].GetProperty("url").GetString());

        await using NodePeer browser = NodePeer.Start("sio-client.js", $"http://127.0.0.1:{port}");
        string browserId = (await browser.WaitAsync("connect")).GetProperty("id").GetString()!;
        await browser.SendAsync(new { cmd = "join", room = "room", opts = new { streamName = "cam", transport = "srtp" } });
        ErsClientJoinedEventArgs joined = await ErsClientProbe.NextAsync(probe.Joins);
        Assert.Equal((browserId, "cam", "srtp"), (joined.Id, joined.StreamName, joined.Transport));

        Assert.True(await client.SendMessageAsync(JsonSerializer.SerializeToElement(new { to = browserId, type = "offer", payload = new { type = "offer", sdp = "v=0" } })));
        Assert.Equal(client.PeerId, (await browser.WaitAsync("message")).GetProperty("data").GetProperty("from").GetString());
        await browser.SendAsync(new { cmd = "message", msg = new { to = client.PeerId, type = "candidate", payload = new { candidate = new { candidate = "candidate:1", sdpMid = "0", sdpMLineIndex = 0 } } } });
        ErsMessageEventArgs candidate = await ErsClientProbe.NextAsync(probe.Messages);
        Assert.Equal(browserId, candidate.From);
        Assert.Equal("candidate", candidate.Type);

        await browser.SendAsync(new { cmd = "exit" });
        Assert.Equal(browserId, (await ErsClientProbe.NextAsync(probe.Removes)).Id);

        string emsId = client.PeerId!;
        await client.StopAsync();
        await server.WaitAsync("leave", e => e.GetProperty("id").GetString() == emsId);
    }

    [Fact]
    public async Task AgainstRealSocketIo0919Server_TheEmsReportsItsLoad_AndRefusesAViewerBeyondMaxViewers()
    {
        await using NodePeer server = NodePeer.Start("sio-server.js");
        int port = (await server.WaitAsync("listening")).GetProperty("port").GetInt32();
        string folder = Directory.CreateTempSubdirectory("ems-load-").FullName;
        try
        {
            await using EmsHost ems = await PlaybackRig.StartEmsAsync(folder, "--WebRtc:MaxViewers", "1");
            using HttpClient api = new() { BaseAddress = new Uri($"http://{ems.HttpEndPoint}/") };
            JsonElement reply = await api.GetFromJsonAsync<JsonElement>(new Uri($"startWebrtc?ersip=127.0.0.1&ersport={port}&roomid=room", UriKind.Relative));
            Assert.Equal("SUCCESS", reply.GetProperty("status").GetString());
            string emsId = (await server.WaitAsync("join")).GetProperty("id").GetString()!;

            // Reports follow the join's ack; the stream the rig publishes (samples/test.flv as "test") is in them once live.
            JsonElement load = (await server.WaitAsync("emsLoad", e => Streams(e).Contains("test"))).GetProperty("load");
            Assert.Equal((0, 1, false), (load.GetProperty("viewers").GetInt32(), load.GetProperty("maxViewers").GetInt32(), load.GetProperty("full").GetBoolean()));
            Assert.InRange(load.GetProperty("cpu").GetDouble(), 0, 100);
            Assert.True(load.GetProperty("kbps").GetInt64() >= 0);

            // A browser waiting for a stream not (yet) live holds the one place: the ems says it is full at once.
            (NodePeer first, _) = await NodePeer.ConnectSocketIoAsync(port);
            await using (first)
            {
                await first.JoinAsync("room", new { streamName = "nosuch", transport = "srtp" });
                JsonElement full = (await server.WaitAsync("emsLoad", e => e.GetProperty("load").GetProperty("full").GetBoolean())).GetProperty("load");
                Assert.Equal(1, full.GetProperty("viewers").GetInt32());

                // One more is refused at once through the ERS, with the reason a WHEP endpoint would answer 503 for.
                (NodePeer second, _) = await NodePeer.ConnectSocketIoAsync(port);
                await using (second)
                {
                    await second.JoinAsync("room", new { streamName = "test", transport = "srtp" });
                    JsonElement refusal = (await second.WaitAsync("message")).GetProperty("data");
                    Assert.Equal((emsId, "connectivityError"), (refusal.GetProperty("from").GetString(), refusal.GetProperty("type").GetString()));
                    Assert.Equal("unavailable", refusal.GetProperty("payload").GetProperty("reason").GetString());
                    Assert.Contains("WebRtc:MaxViewers = 1", refusal.GetProperty("payload").GetProperty("description").GetString(), StringComparison.Ordinal);
                    Assert.True(first.HasNo("message")); // the first is undisturbed, still waiting for its stream
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        static string[] Streams(JsonElement e) =>
            [.. e.GetProperty("load").GetProperty("streams").EnumerateArray().Select(s => s.GetString()!)];
    }
}
