using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmsSharp.Protocols.SocketIo;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Rendezvous.Tests;

public class ErsSignallingTests
{
    [Fact]
    public async Task Handshake_AnswersSidTimeoutsAndWebsocket_WithCorsEchoingOrigin()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        using HttpClient http = new();
        using HttpRequestMessage request = new(HttpMethod.Get, $"http://127.0.0.1:{ers.Port}/socket.io/1/?t=123");
        request.Headers.Add("Origin", "http://player.example");
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        string[] parts = body.Split(':');
        Assert.Equal(4, parts.Length);
        Assert.NotEmpty(parts[0]);
        Assert.Equal(["60", "60", "websocket"], parts[1..]);
        Assert.Equal("http://player.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());

        string jsonp = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ers.Port}/socket.io/1/?t=1&jsonp=3"));
        Assert.Matches("^io\\.j\\[3\\]\\(\"[0-9A-F]+:60:60:websocket\"\\);$", jsonp);

        using HttpResponseMessage post = await http.PostAsync(new Uri($"http://127.0.0.1:{ers.Port}/socket.io/1/"), null);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        using HttpResponseMessage polling = await http.GetAsync(new Uri($"http://127.0.0.1:{ers.Port}/socket.io/1/xhr-polling/abc"));
        Assert.Equal(HttpStatusCode.NotFound, polling.StatusCode);
    }

    [Fact]
    public async Task Connect_SendsConnectThenStunAndMintedTurnServers()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.StunServers.Add(JsonSerializer.SerializeToElement(new { url = "stun:stun.example:3478" }));
            o.TurnServers.Add(JsonSerializer.SerializeToElement(new { url = "turn:t.example:3478?transport=udp", username = "u", credential = "c" }));
            o.TurnServers.Add(JsonSerializer.SerializeToElement(new { url = "turn:t.example:3478?transport=tcp", secret = "s3cret", expiry = 600 }));
        });
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement stun = await client.NextEventAsync("stunservers");
        Assert.Equal("stun:stun.example:3478", stun[0].GetProperty("url").GetString());
        JsonElement turn = await client.NextEventAsync("turnservers");
        Assert.Equal("u", turn[0].GetProperty("username").GetString());
        string username = turn[1].GetProperty("username").GetString()!;
        long expiry = long.Parse(username, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 590, 610);
        string expected = Convert.ToBase64String(HMACSHA1.HashData("s3cret"u8, Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, turn[1].GetProperty("credential").GetString());
        Assert.False(turn[1].TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task UnknownSid_GetsClientNotHandshakenError()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient client = new();
        await client.OpenAsync(ers.Port, "NOSUCHSID");
        SocketIoFrame frame = await client.NextFrameAsync();
        Assert.Equal("7:::1+0", frame.ToString());
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task SessionId_OpensOnlyOneSocket()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient first = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient second = new();
        await second.OpenAsync(ers.Port, first.Sid);
        Assert.Equal("7:::1+0", (await second.NextFrameAsync()).ToString());
    }

    [Fact]
    public async Task EmptyRoom_BrowserGetsNoClients_EmsGetsClientJoined()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement ack = await browser.JoinAsync("r1", new { token = "", streamName = "s", transport = "fmp4" });
        Assert.Equal("[null,{\"clients\":{}}]", ack.GetRawText());

        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("r1"))[0].ValueKind);
        JsonElement waiting = await ems.NextEventAsync("clientJoined");
        Assert.Equal(browser.Sid, waiting.GetProperty("id").GetString());

        await using SocketIoTestClient browser2 = await SocketIoTestClient.ConnectAsync(ers.Port);
        ack = await browser2.JoinAsync("r1", new { token = "", streamName = "cam1", transport = "srtp" });
        Assert.Equal(JsonValueKind.Null, ack[0].ValueKind);
        Assert.True(ack[1].GetProperty("clients").GetProperty(ems.Sid).GetProperty("ems").GetBoolean());
        JsonElement joined = await ems.NextEventAsync("clientJoined");
        Assert.Equal(browser2.Sid, joined.GetProperty("id").GetString());
        Assert.Equal("cam1", joined.GetProperty("streamName").GetString());
        Assert.Equal("srtp", joined.GetProperty("transport").GetString());
    }

    [Fact]
    public async Task SecondEms_IsRefused_FirstKeepsTheRoom()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems1 = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient ems2 = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems1.JoinEmsAsync("room"))[0].ValueKind);
        JsonElement refused = await ems2.JoinEmsAsync("room");
        Assert.Equal("room taken", refused[0].GetString());

        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement ack = await browser.JoinAsync("room", new { streamName = "s", transport = "fmp4" });
        Assert.True(ack[1].GetProperty("clients").TryGetProperty(ems1.Sid, out _));
        Assert.Equal(browser.Sid, (await ems1.NextEventAsync("clientJoined")).GetProperty("id").GetString());
        Assert.True(ems2.HasNoEvent("clientJoined"));
    }

    [Fact]
    public async Task Message_RelayedOnlyToAddressee_InSameRoom_WithFrom()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient a = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient b = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient other = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r");
        await a.JoinAsync("r", new { streamName = "s" });
        await b.JoinAsync("r", new { streamName = "s" });
        await other.JoinAsync("elsewhere", new { streamName = "s" });

        await ems.EmitAsync("message", false, new { to = a.Sid, type = "offer", payload = new { type = "offer", sdp = "v=0" }, from = "forged" });
        JsonElement got = await a.NextEventAsync("message");
        Assert.Equal(ems.Sid, got.GetProperty("from").GetString());
        Assert.Equal("v=0", got.GetProperty("payload").GetProperty("sdp").GetString());

        // A peer of another room cannot reach this one; JSON-message frames (4) are relayed too.
        await other.EmitAsync("message", false, new { to = ems.Sid, type = "candidate", payload = "x" });
        await b.SendRawAsync($"4:::{{\"to\":\"{ems.Sid}\",\"type\":\"answer\",\"payload\":{{\"sdp\":\"b\"}}}}");
        JsonElement answer = await ems.NextEventAsync("message");
        Assert.Equal(b.Sid, answer.GetProperty("from").GetString());
        Assert.Equal("answer", answer.GetProperty("type").GetString());
        Assert.True(ems.HasNoEvent("message"));
        Assert.True(b.HasNoEvent("message"));
        Assert.True(other.HasNoEvent("message"));
    }

    [Fact]
    public async Task A_closed_registry_announces_no_leave_so_the_ems_keeps_its_viewers()
    {
        var options = new ErsOptions();
        var rooms = new RoomRegistry(options, new TokenStore(AdminState.FromOptions(options)), TimeProvider.System);
        var ems = new RecordingPeer("ems");
        var browser = new RecordingPeer("b1");
        var other = new RecordingPeer("b2");
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(ems, "r", JsonSerializer.SerializeToElement(new { role = "ems" }))).Error.ValueKind);
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(browser, "r", JsonSerializer.SerializeToElement(new { streamName = "s" }))).Error.ValueKind);
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(other, "r", JsonSerializer.SerializeToElement(new { streamName = "s" }))).Error.ValueKind);

        // A browser that leaves while the ERS runs is announced.
        rooms.Leave(other);
        Assert.Equal(["remove"], ems.Events);

        // The ERS stops: its sockets close in any order, and the ems, whose socket may close last, hears no "remove" for
        // a browser that did not leave (it would end that viewer's media session, which runs without the ERS).
        rooms.Close();
        rooms.Leave(browser);
        rooms.Leave(ems);
        Assert.Equal(["remove"], ems.Events);
    }

    [Fact]
    public async Task The_same_ems_back_takes_its_room_over_and_another_ems_is_refused()
    {
        var options = new ErsOptions();
        var rooms = new RoomRegistry(options, new TokenStore(AdminState.FromOptions(options)), TimeProvider.System);
        var first = new RecordingPeer("ems1");
        var browser = new RecordingPeer("b1");
        var other = new RecordingPeer("ems2");
        var back = new RecordingPeer("ems3");
        JsonElement Ems(string instance) => JsonSerializer.SerializeToElement(new { role = "ems", instance });
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(first, "r", Ems("a1"))).Error.ValueKind);
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(browser, "r", JsonSerializer.SerializeToElement(new { streamName = "s" }))).Error.ValueKind);

        // Another ems (another instance, or none) is refused while the first holds the room (PROTOCOL.md §2.2).
        Assert.Equal(RoomRegistry.RoomTaken, (await rooms.JoinAsync(other, "r", Ems("b2"))).Error.GetString());
        Assert.Equal(RoomRegistry.RoomTaken, (await rooms.JoinAsync(other, "r", JsonSerializer.SerializeToElement(new { role = "ems" }))).Error.GetString());

        // The first ems's new socket (its old one half-open) takes over at once: the old socket is closed, the browser
        // is offered to the new one and hears no "remove" (the media session it has is the same ems's).
        (JsonElement error, JsonElement data) = await rooms.JoinAsync(back, "r", Ems("a1"));
        Assert.Equal(JsonValueKind.Null, error.ValueKind);
        Assert.True(data.GetProperty("clients").TryGetProperty("b1", out _));
        Assert.True(first.Disconnected);
        Assert.Null(first.RoomName);
        Assert.Equal(["clientJoined"], back.Joins);
        Assert.Empty(browser.Events);

        // The old socket's close afterwards changes nothing in the room.
        rooms.Leave(first);
        Assert.Empty(browser.Events);
        Assert.Equal((1, 1, 1), rooms.Counts());
    }

    [Fact]
    public async Task PeerDrop_SendsRemoveToRoom()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r");
        await browser.JoinAsync("r", new { streamName = "s" });
        string sid = browser.Sid;
        await browser.DisposeAsync();
        JsonElement remove = await ems.NextEventAsync("remove");
        Assert.Equal(sid, remove.GetProperty("id").GetString());
        Assert.Equal("video", remove.GetProperty("type").GetString());

        await using SocketIoTestClient browser2 = await SocketIoTestClient.ConnectAsync(ers.Port);
        await browser2.JoinAsync("r", new { streamName = "s" });
        await ems.EmitAsync("leave", false);
        Assert.Equal(ems.Sid, (await browser2.NextEventAsync("remove")).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("5:::{not json")]
    [InlineData("9::")]
    public async Task MalformedFrame_ClosesThatSocketOnly(string frame)
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient bad = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient good = await SocketIoTestClient.ConnectAsync(ers.Port);
        await bad.SendRawAsync(frame);
        await bad.WaitClosedAsync();
        Assert.Equal(JsonValueKind.Null, (await good.JoinEmsAsync("r"))[0].ValueKind);
    }

    [Fact]
    public async Task FrameLargerThanTheInitialReadBuffer_IsRelayedIntact()
    {
        // The read buffer starts at 4 KiB and grows on demand: an SDP-sized message past it still arrives whole.
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r");
        await browser.JoinAsync("r", new { streamName = "s" });
        string sdp = new('v', (SocketIo.ErsConnection.InitialReadBufferLength * 5) + 17);
        await ems.EmitAsync("message", false, new { to = browser.Sid, type = "offer", payload = new { type = "offer", sdp } });
        JsonElement offer = await browser.NextEventAsync("message");
        Assert.Equal(sdp, offer.GetProperty("payload").GetProperty("sdp").GetString());
        await browser.EmitAsync("message", false, new { to = ems.Sid, type = "answer", payload = new { type = "answer", sdp } });
        Assert.Equal(sdp, (await ems.NextEventAsync("message")).GetProperty("payload").GetProperty("sdp").GetString());
    }

    [Fact]
    public async Task OversizedFrame_ClosesTheSocket()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        await client.SendRawAsync("3:::" + new string('x', 70 * 1024));
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task Heartbeats_SentEveryInterval_SilentSocketClosed()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(time: time);
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        await client.NextEventAsync("turnservers");
        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(SocketIoFrameType.Heartbeat, (await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Heartbeat)).Type);
        await client.SendAsync(SocketIoFrame.Heartbeat);
        await client.EmitAsync("noop-event", true);
        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack);
        time.Advance(TimeSpan.FromSeconds(25));
        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Heartbeat);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.State);
        time.Advance(TimeSpan.FromSeconds(61));
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task PendingHandshake_WithoutWebsocket_IsDroppedPromptly()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(time: time);
        string sid = (await SocketIoTestClient.HandshakeAsync(ers.Port)).Split(':')[0];
        Assert.Equal(1, ers.State.Sessions.PendingCount);
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, ers.State.Sessions.PendingCount);
        await using SocketIoTestClient late = new();
        await late.OpenAsync(ers.Port, sid);
        Assert.Equal("7:::1+0", (await late.NextFrameAsync()).ToString());
    }

    [Fact]
    public async Task HandshakeRate_SlowsDown_ThenRefusesWith503_ThenRecovers()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.HandshakeBurst = 3;
            o.Limits.HandshakesPerSecondPerIp = 1;
            o.Limits.MaxHandshakeDelaySeconds = 0;
        }, time);
        using HttpClient http = new();
        Uri uri = new($"http://127.0.0.1:{ers.Port}/socket.io/1/?t=1");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(uri)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(uri)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(uri)).StatusCode);
    }

    [Fact]
    public async Task EventRate_SlowsTheSocketDown_WithoutDroppingOrClosing()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.EventBurst = 2;
            o.Limits.EventsPerSecond = 1;
        }, time);
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        for (int i = 0; i < 3; i++)
        {
            await client.EmitAsync("ping", true);
        }

        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "1+[]");
        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "2+[]");

        // The third waits for its token: about one second of fake time, however the steps fall.
        TimeSpan advanced = await AdvanceUntilAsync(time, client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "3+[]"));
        Assert.InRange(advanced, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task EventBytes_SlowABigSenderDown_WithoutDroppingOrClosing()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.MaxFrameLength = 16 * 1024;
            o.Limits.EventByteBurst = 16 * 1024;
            o.Limits.EventBytesPerSecond = 8 * 1024;
        }, time);
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        string payload = new('x', 8000);
        for (int i = 0; i < 3; i++)
        {
            await client.EmitAsync("ping", true, payload);
        }

        // Two frames of ~8 KB fit the 16 KiB burst; the third waits for ~8 KB at 8 KiB/s, about a second.
        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "1+[]");
        await client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "2+[]");
        TimeSpan advanced = await AdvanceUntilAsync(time, client.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && f.Data == "3+[]"));
        Assert.InRange(advanced, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(5));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.State);
    }

    /// <summary>Advances fake time in 100 ms steps until <paramref name="task"/> completes; returns the time advanced.</summary>
    private static async Task<TimeSpan> AdvanceUntilAsync(FakeTimeProvider time, Task task)
    {
        TimeSpan advanced = TimeSpan.Zero;
        DateTime deadline = DateTime.UtcNow + SocketIoTestClient.Timeout;
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            try
            {
                await task.WaitAsync(TimeSpan.FromMilliseconds(50));
            }
            catch (TimeoutException)
            {
            }
        }

        await task;
        return advanced;
    }

    [Fact]
    public async Task SocketsPerIp_Limited()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.MaxSocketsPerIp = 2);
        await using SocketIoTestClient a = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient b = await SocketIoTestClient.ConnectAsync(ers.Port);
        using HttpClient http = new();
        Uri uri = new($"http://127.0.0.1:{ers.Port}/socket.io/1/?t=1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(uri)).StatusCode);
        await a.DisposeAsync();
        DateTime deadline = DateTime.UtcNow + SocketIoTestClient.Timeout;
        HttpStatusCode status;
        while ((status = (await http.GetAsync(uri)).StatusCode) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Flooder_IsRefusedAndTold_TheReceiverThatStoppedReadingStaysOpen_AndOthersStillReachIt()
    {
        FakeTimeProvider time = new(); // no heartbeat or rate-limit refill happens unless the test says so
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.MaxFrameLength = 16 * 1024;
            o.Limits.MaxQueuedBytesPerSender = 64 * 1024;
            o.Limits.MaxQueuedBytes = 256 * 1024;
            o.Limits.EventBurst = 100_000;
            o.Limits.EventByteBurst = 1e9;
        }, time);
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient victim = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient flooder = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r");
        await victim.JoinAsync("r", new { streamName = "s" });
        await flooder.JoinAsync("r", new { streamName = "s" });
        victim.PauseReading();

        // 8 KiB candidates until the socket buffers between the ERS and the victim are full and the
        // flooder's share of the victim's outbox is used up (a few MB on loopback).
        string junk = new('x', 8 * 1024);
        Task<JsonElement> refused = flooder.NextEventAsync("messageRefused");
        for (int i = 0; i < 8000 && !refused.IsCompleted; i++)
        {
            await flooder.EmitAsync("message", false, new { to = victim.Sid, type = "candidate", payload = junk });
        }

        JsonElement notice = await refused;
        Assert.Equal(victim.Sid, notice.GetProperty("to").GetString());
        Assert.Equal("candidate", notice.GetProperty("type").GetString());
        Assert.Contains("slow down", notice.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The EMS still reaches the victim: its message is acked without a refusal.
        long id = (await ems.EmitAsync("message", true, new { to = victim.Sid, type = "offer", payload = "from-ems" }))!.Value;
        SocketIoFrame ack = await ems.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack
            && SocketIoPayload.TryParseAck(f.Data, out long ackId, out _) && ackId == id);
        Assert.True(SocketIoPayload.TryParseAck(ack.Data, out _, out JsonElement ackArgs));
        Assert.Equal(0, ackArgs.GetArrayLength());

        // The victim was never closed: reading again, it gets the EMS's offer after the flood.
        victim.ResumeReading();
        JsonElement offer;
        do
        {
            offer = await victim.NextEventAsync("message");
        }
        while (offer.GetProperty("type").GetString() != "offer");
        Assert.Equal(ems.Sid, offer.GetProperty("from").GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, victim.State);
    }
}
