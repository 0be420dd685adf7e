using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Data channels between two sessions over the in-memory network: the server offers data channels only and opens
/// two channels before connecting (as the ems does), the other side answers and opens one of its own. ICE and SCTP
/// timers run on fake time; DTLS runs on its worker threads, so waits are bounded event waits while the clock steps.
/// </summary>
public sealed class PeerSessionDataChannelTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Channels_open_both_ways_exchange_text_and_binary_and_close()
    {
        var (time, server, browser) = CreateSessions(seed: 1);
        await using var serverLifetime = server;
        await using var browserLifetime = browser;

        // Opened before any negotiation, in call order.
        var command = server.CreateDataChannel("emsCommandChannel");
        var stream = server.CreateDataChannel("emsStreamChannel");
        var serverOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stream.Opened += _ => serverOpened.TrySetResult();

        var browserChannels = new ConcurrentQueue<PeerDataChannel>();
        var browserTexts = new BlockingCollection<string>();
        var received = new StreamHash();
        var bothSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        browser.DataChannelOpenedByPeer += (_, ch) =>
        {
            ch.MessageReceived += (c, m) =>
            {
                if (m.IsText)
                {
                    browserTexts.Add(c.Label + ":" + m.Text);
                }
                else
                {
                    received.Add(m.Data);
                }
            };
            browserChannels.Enqueue(ch);
            if (browserChannels.Count == 2)
            {
                bothSeen.TrySetResult();
            }
        };
        var serverSawProbe = new TaskCompletionSource<PeerDataChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverTexts = new BlockingCollection<string>();
        server.DataChannelOpenedByPeer += (_, ch) =>
        {
            ch.MessageReceived += (c, m) => serverTexts.Add(c.Label + ":" + m.Text);
            serverSawProbe.TrySetResult(ch);
        };
        command.MessageReceived += (c, m) => serverTexts.Add(c.Label + ":" + m.Text + (m.IsText ? "" : "(binary)"));

        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        Assert.Contains("a=sctp-port:5000", offer, StringComparison.Ordinal);
        Assert.Contains("a=max-message-size:262144", offer, StringComparison.Ordinal);
        await browser.SetRemoteDescriptionAsync(offer);
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());

        await StepUntilAsync(time, Task.WhenAll(serverOpened.Task, bothSeen.Task));
        Assert.Equal(["emsCommandChannel", "emsStreamChannel"], browserChannels.Select(c => c.Label));
        Assert.Equal(DataChannelState.Open, command.State);
        Assert.Equal(262144, server.RemoteMaxMessageSize);
        // The answerer is the DTLS client (even ids), the offering server the DTLS server (odd ids), RFC 8832 §6.
        Assert.Equal([1, 3], new[] { command.Id, stream.Id });

        // The browser's own channel, opened after connect.
        var probe = browser.CreateDataChannel("probe");
        var serverProbe = await StepUntilAsync(time, serverSawProbe.Task);
        Assert.Equal("probe", serverProbe.Label);
        Assert.Equal(0, probe.Id);

        // Text both ways.
        Assert.True(command.SendText("{\"cmd\":\"play\"}"));
        Assert.Equal("emsCommandChannel:{\"cmd\":\"play\"}", await TakeAsync(time, browserTexts));
        Assert.True(browserChannels.First().SendText("{\"ack\":1}"));
        Assert.Equal("emsCommandChannel:{\"ack\":1}", await TakeAsync(time, serverTexts));
        await StepUntilAsync(time, Until(() => probe.State == DataChannelState.Open));
        Assert.True(probe.SendText("hello"));
        Assert.Equal("probe:hello", await TakeAsync(time, serverTexts));

        // 4 MiB of binary with back-pressure at 512 KiB; buffered-amount-low fires at its threshold.
        const int total = 4 << 20;
        const int chunk = 64 * 1024;
        var lowFired = 0;
        stream.BufferedAmountLowThreshold = 128 * 1024;
        stream.BufferedAmountLow += _ => Interlocked.Increment(ref lowFired);
        var sent = new StreamHash();
        var sender = Task.Run(async () =>
        {
            var rng = new Random(7);
            var buffer = new byte[chunk];
            for (var offset = 0; offset < total; offset += chunk)
            {
                await stream.WaitForBufferedAmountBelowAsync(512 * 1024);
                Assert.True(stream.BufferedAmount <= 512 * 1024);
                rng.NextBytes(buffer);
                sent.Add(buffer);
                Assert.True(stream.Send(buffer));
            }
        });
        await StepUntilAsync(time, Task.WhenAll(sender, Until(() => received.Length >= total)));

        Assert.Equal(total, received.Length);
        Assert.Equal(sent.Finish(), received.Finish());
        await StepUntilAsync(time, Until(() => stream.BufferedAmount == 0 && Volatile.Read(ref lowFired) > 0));

        // Closing from the server resets the stream both ways; both sides see it closed.
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var peerClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        command.Closed += _ => closed.TrySetResult();
        browserChannels.First().Closed += _ => peerClosed.TrySetResult();
        command.Close();
        await StepUntilAsync(time, Task.WhenAll(closed.Task, peerClosed.Task));
        Assert.Equal(DataChannelState.Closed, command.State);
        Assert.False(command.SendText("late"));
        Assert.Equal(DataChannelState.Open, stream.State);

        // Ending the session closes the remaining channels and releases back-pressure waiters.
        var streamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stream.Closed += _ => streamClosed.TrySetResult();
        await server.DisposeAsync();
        await StepUntilAsync(time, streamClosed.Task);
        await stream.WaitForBufferedAmountBelowAsync(0);
    }

    [Fact]
    public async Task Channel_of_a_session_without_data_channels_closes_on_connect()
    {
        var (time, server, browser) = CreateSessions(seed: 3);
        await using var serverLifetime = server;
        await using var browserLifetime = browser;
        var channel = server.CreateDataChannel("emsCommandChannel");
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.Closed += _ => closed.TrySetResult();

        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { Video = true });
        await browser.SetRemoteDescriptionAsync(offer);
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());

        await StepUntilAsync(time, closed.Task);
        Assert.Equal(DataChannelState.Closed, channel.State);
        Assert.False(channel.SendText("x"));
        Assert.Throws<ArgumentException>(() => server.CreateDataChannel("bad",
            new DataChannelOptions { MaxRetransmits = 1, MaxPacketLifeTime = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public async Task Immutable_sends_go_to_sctp_by_reference_on_the_loop_and_as_copies_from_elsewhere()
    {
        var (time, server, browser) = CreateSessions(seed: 5);
        await using var serverLifetime = server;
        await using var browserLifetime = browser;
        var command = server.CreateDataChannel("emsCommandChannel");
        var stream = server.CreateDataChannel("emsStreamChannel");
        var received = new BlockingCollection<byte[]>();
        var browserCommand = new TaskCompletionSource<PeerDataChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        browser.DataChannelOpenedByPeer += (_, ch) =>
        {
            if (ch.Label == "emsStreamChannel")
            {
                ch.MessageReceived += (_, m) => received.Add(m.Data);
            }
            else
            {
                browserCommand.TrySetResult(ch);
            }
        };

        // A fan-out buffer: each message is a slice of it, never written again.
        var shared = new byte[200_000];
        new Random(9).NextBytes(shared);
        var onLoop = shared.AsMemory(100, 70_000);
        var offLoop = shared.AsMemory(90_000, 70_000);
        var sentOnLoop = new TaskCompletionSource<(bool OnLoop, bool Sent, long Buffered)>(TaskCreationOptions.RunContinuationsAsynchronously);
        command.MessageReceived += (_, _) =>
        {
            // Raised on the server's worker: the message goes straight to the SCTP core, whose buffered amount shows it.
            var sent = stream.SendImmutable(onLoop);
            sentOnLoop.TrySetResult((server.IsOnLoop, sent, stream.BufferedAmount));
        };

        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        await browser.SetRemoteDescriptionAsync(offer);
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());
        var peerCommand = await StepUntilAsync(time, browserCommand.Task);
        await StepUntilAsync(time, Until(() => stream.State == DataChannelState.Open));

        Assert.False(server.IsOnLoop);
        Assert.True(stream.SendImmutable(offLoop));
        Assert.True(peerCommand.SendText("go"));
        var (wasOnLoop, sentThere, bufferedThere) = await StepUntilAsync(time, sentOnLoop.Task);
        Assert.True(wasOnLoop);
        Assert.True(sentThere);
        Assert.True(bufferedThere >= onLoop.Length, $"buffered {bufferedThere} right after the send on the loop");

        var first = await TakeAsync(time, received);
        var second = await TakeAsync(time, received);
        Assert.Equal(offLoop.ToArray(), first);
        Assert.Equal(onLoop.ToArray(), second);
        await StepUntilAsync(time, Until(() => stream.BufferedAmount == 0));
    }

    private static (FakeTimeProvider Time, PeerSession Server, PeerSession Browser) CreateSessions(int seed)
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork();
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = seed };
        var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = seed + 1 }, time);
        return (time, server, browser);
    }

    private static async Task Until(Func<bool> condition)
    {
        var start = DateTime.UtcNow;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow - start < Deadline, "timed out");
            await Task.Yield();
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
    }

    private static async Task<T> TakeAsync<T>(FakeTimeProvider time, BlockingCollection<T> queue)
    {
        T? item = default;
        await StepUntilAsync(time, Until(() => queue.TryTake(out item)));
        return item!;
    }

    private static async Task<T> StepUntilAsync<T>(FakeTimeProvider time, Task<T> done)
    {
        await StepUntilAsync(time, (Task)done);
        return await done;
    }

    private static async Task StepUntilAsync(FakeTimeProvider time, Task done)
    {
        var start = DateTime.UtcNow;
        while (!done.IsCompleted)
        {
            Assert.True(DateTime.UtcNow - start < Deadline, "timed out");
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.WhenAny(done, Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System));
        }

        await done;
    }

    /// <summary>SHA-256 over a byte stream fed in pieces, with its length.</summary>
    private sealed class StreamHash
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public long Length => Interlocked.Read(ref _length);

        public void Add(byte[] data)
        {
            _hash.AppendData(data);
            Interlocked.Add(ref _length, data.Length);
        }

        public string Finish() => Convert.ToHexString(_hash.GetHashAndReset());
    }
}
