using System.Diagnostics;
using System.Text.Json;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
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
}
