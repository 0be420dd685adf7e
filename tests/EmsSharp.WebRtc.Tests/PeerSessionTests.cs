using System.Collections.Concurrent;
using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Two sessions in one process over an in-memory network. ICE runs on fake time; BouncyCastle's DTLS handshake
/// runs on its worker threads with real-time retransmission timers, so completion is awaited on events (bounded
/// waits, no sleeps) while the fake clock is stepped.
/// </summary>
public sealed class PeerSessionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    internal static async Task StepUntilAsync(FakeTimeProvider time, Task done, int stepMillis = 10)
    {
        var start = DateTime.UtcNow;
        while (!done.IsCompleted)
        {
            Assert.True(DateTime.UtcNow - start < Deadline, "timed out");
            time.Advance(TimeSpan.FromMilliseconds(stepMillis));
            await Task.WhenAny(done, Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System));
        }

        await done;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Offerer_and_answerer_connect_and_exchange_data(bool dataChannel)
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork();
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1 };
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        await using var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time);
        var serverKeys = new TaskCompletionSource<DtlsSrtpKeys>(TaskCreationOptions.RunContinuationsAsynchronously);
        var browserKeys = new TaskCompletionSource<DtlsSrtpKeys>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.DtlsConnected += (_, k) => serverKeys.TrySetResult(k);
        browser.DtlsConnected += (_, k) => browserKeys.TrySetResult(k);
        var appData = new BlockingCollection<byte[]>();
        var rtp = new BlockingCollection<byte[]>();
        browser.DtlsApplicationDataReceived += (_, p) => appData.Add(p.ToArray());
        browser.RtpOrRtcpReceived += (_, p) => rtp.Add(p.ToArray());

        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { Video = !dataChannel, DataChannel = dataChannel });
        await browser.SetRemoteDescriptionAsync(offer);
        var answer = await browser.CreateAnswerAsync();
        await server.SetRemoteDescriptionAsync(answer);

        await StepUntilAsync(time, Task.WhenAll(serverKeys.Task, browserKeys.Task));

        var sk = await serverKeys.Task;
        var bk = await browserKeys.Task;
        Assert.Equal(PeerSessionState.Connected, server.State);
        Assert.Equal(PeerSessionState.Connected, browser.State);
        Assert.Equal(sk.KeyingMaterial, bk.KeyingMaterial);
        Assert.False(sk.IsDtlsClient); // the answerer chose a=setup:active
        Assert.True(bk.IsDtlsClient);
        Assert.Equal(SrtpProtectionProfile.AeadAes128Gcm, sk.ProfileId);

        Assert.True(server.SendDtlsApplicationData([9, 8, 7]));
        // With a data channel m-line the sessions' own SCTP packets pass the raw tap too.
        byte[]? data;
        do
        {
            Assert.True(appData.TryTake(out data, Deadline));
        }
        while (data.Length != 3);
        Assert.Equal([9, 8, 7], data);

        byte[] packet = [0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA];
        Assert.True(server.SendRtpOrRtcp(packet));
        Assert.True(rtp.TryTake(out var received, Deadline));
        Assert.Equal(packet, received);

        // A batch leaves on the path (here one Send per datagram) whole and in order.
        var batch = new DatagramBatch(64, 4);
        byte[] longest = [0x80, 96, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xA1, 0xA2, 0xA3, 0xA4];
        for (var length = 14; length <= 16; length++)
        {
            longest.CopyTo(batch.Free);
            batch.Add(length);
        }

        Assert.True(server.SendRtpOrRtcpBatch(batch));
        for (var length = 14; length <= 16; length++)
        {
            Assert.True(rtp.TryTake(out received, Deadline));
            Assert.Equal(longest[..length], received);
        }

        // Closing one side sends close_notify; the other side ends its session.
        var serverClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.StateChanged += (_, st) =>
        {
            if (st == PeerSessionState.Closed)
            {
                serverClosed.TrySetResult();
            }
        };
        await browser.DisposeAsync();
        await StepUntilAsync(time, serverClosed.Task);
        Assert.False(server.SendRtpOrRtcp(packet));
        Assert.False(server.SendRtpOrRtcpBatch(batch));
    }

    private static Task<PeerSessionState> NextStateAsync(PeerSession session, PeerSessionState wanted)
    {
        var reached = new TaskCompletionSource<PeerSessionState>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.StateChanged += (_, st) =>
        {
            if (st == wanted)
            {
                reached.TrySetResult(st);
            }
        };
        return reached.Task;
    }

    [Fact]
    public async Task Offer_without_an_answer_fails_after_the_answer_timeout()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork();
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000),
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), AnswerTimeout = TimeSpan.FromSeconds(30) }, time);
        var failed = NextStateAsync(server, PeerSessionState.Failed);
        await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        time.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.CreateAnswerAsync()); // a round trip through the loop
        Assert.Equal(PeerSessionState.New, server.State);
        time.Advance(TimeSpan.FromSeconds(1));
        await failed.WaitAsync(Deadline);
        Assert.Equal("no answer within 30 s of the offer", server.FailureReason);
    }

    [Fact]
    public async Task Answer_in_time_clears_the_answer_timeout()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork();
        net.Block(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000));
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), AnswerTimeout = TimeSpan.FromSeconds(5), RandomSeed = 1 };
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        await using var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time);
        await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true }));
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());
        time.Advance(TimeSpan.FromSeconds(6));
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.CreateAnswerAsync()); // a round trip through the loop
        Assert.Equal(PeerSessionState.Checking, server.State);
        Assert.Null(server.FailureReason);
    }

    [Fact]
    public async Task Ice_connected_without_dtls_fails_after_the_dtls_timeout()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork { DropDtls = true };
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1, DtlsTimeout = TimeSpan.FromSeconds(10) };
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        await using var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time);
        var handshaking = NextStateAsync(server, PeerSessionState.DtlsHandshaking);
        var failed = NextStateAsync(server, PeerSessionState.Failed);
        await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true }));
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());
        await StepUntilAsync(time, handshaking);
        var iceConnectedBy = time.GetUtcNow();
        await StepUntilAsync(time, failed, stepMillis: 100);
        Assert.InRange(time.GetUtcNow() - iceConnectedBy, TimeSpan.FromSeconds(9.9), TimeSpan.FromSeconds(10.5));
        Assert.Equal("DTLS did not complete within 10 s of ICE connecting", server.FailureReason);
    }

    [Fact]
    public async Task A_lost_client_hello_is_resent_on_the_sessions_fake_clock()
    {
        // The DTLS handshake runs on the session's worker and TimeProvider (DtlsEndpoint): its retransmission timer
        // is the session's deadline, so fake time drives it. The browser (active: the DTLS client) loses its first two
        // ClientHellos; the third goes 1 s and then 2 s later on the fake clock, and the sessions connect.
        var time = new FakeTimeProvider();
        var sentAt = new ConcurrentQueue<DateTimeOffset>();
        var net = new InMemoryPeerNetwork
        {
            DropsDtls = index =>
            {
                sentAt.Enqueue(time.GetUtcNow());
                return index < 2;
            },
        };
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1 };
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        await using var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time);
        var connected = Task.WhenAll(NextStateAsync(server, PeerSessionState.Connected), NextStateAsync(browser, PeerSessionState.Connected));
        await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true }));
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());
        await StepUntilAsync(time, connected);

        var times = sentAt.ToArray();
        Assert.True(times.Length > 3);
        Assert.Equal(TimeSpan.FromSeconds(1), times[1] - times[0]);
        Assert.Equal(TimeSpan.FromSeconds(2), times[2] - times[1]);
        Assert.Equal(server.SrtpKeys!.KeyingMaterial, browser.SrtpKeys!.KeyingMaterial);
    }

    [Fact]
    public async Task Dtls_worker_waits_for_ice_a_client_hello_before_it_gets_no_answer()
    {
        // Before this, a DTLS server's worker started with the remote description and answered a ClientHello from
        // a peer ICE had not connected; now the worker starts once ICE connected, the ClientHello waits in its queue.
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork();
        var serverAddress = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000);
        var browserAddress = new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000);
        net.Block(browserAddress); // no check reaches the server: ICE stays checking
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1 };
        await using var server = net.CreateSession(serverAddress, options, time);
        await using var browser = net.CreateSession(browserAddress, options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time);
        await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true }));
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync()); // the browser is active: we are the DTLS server

        var client = new DtlsEndpoint(DtlsRole.Client, DtlsCertificate.Generate(), options.Certificate.Fingerprint);
        client.Start(TimeSpan.Zero);
        var hello = new byte[2048];
        Assert.True(client.TryPollTransmit(hello, out var length));
        server.DeliverDatagram(hello.AsSpan(0, length).ToArray(), browserAddress);
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.CreateAnswerAsync()); // a round trip through the loop
        Assert.Equal(PeerSessionState.Checking, server.State);
        Assert.False(server.DtlsStarted, "the DTLS handshake started before ICE connected");
        Assert.Equal(0, net.DtlsSent);
    }

    [Fact]
    public async Task Malformed_remote_description_is_refused()
    {
        var net = new InMemoryPeerNetwork();
        await using var s = net.CreateSession(new IPEndPoint(IPAddress.Loopback, 1),
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate() }, new FakeTimeProvider());
        await Assert.ThrowsAsync<ArgumentException>(() => s.SetRemoteDescriptionAsync("v=0\r\nnonsense"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.CreateAnswerAsync());
        Assert.Equal(PeerSessionState.New, s.State);
        Assert.False(s.SendRtpOrRtcp([0x80, 0]));
        var batch = new DatagramBatch(2, 1);
        batch.Free[0] = 0x80;
        batch.Add(2);
        Assert.False(s.SendRtpOrRtcpBatch(batch));
        Assert.False(s.SendDtlsApplicationData([1]));
    }

    [Theory]
    [InlineData(new byte[] { 0 }, PacketKind.Stun)]
    [InlineData(new byte[] { 3 }, PacketKind.Stun)]
    [InlineData(new byte[] { 20 }, PacketKind.Dtls)]
    [InlineData(new byte[] { 63 }, PacketKind.Dtls)]
    [InlineData(new byte[] { 128 }, PacketKind.RtpOrRtcp)]
    [InlineData(new byte[] { 191 }, PacketKind.RtpOrRtcp)]
    [InlineData(new byte[] { 4 }, PacketKind.Unknown)]
    [InlineData(new byte[] { 64 }, PacketKind.Unknown)]
    [InlineData(new byte[] { 192 }, PacketKind.Unknown)]
    [InlineData(new byte[0], PacketKind.Unknown)]
    public void Demux_follows_rfc7983(byte[] datagram, PacketKind kind) => Assert.Equal(kind, PacketDemux.Classify(datagram));
}
