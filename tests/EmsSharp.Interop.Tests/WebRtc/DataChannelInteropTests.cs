using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using EmsSharp.WebRtc;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// Data channels (PROTOCOL.md §3.3 step 4, §4.1-4.2) between the server's <see cref="PeerSession"/> and headless
/// Chromium: the server offers data channels only and opens <c>emsCommandChannel</c> then <c>emsStreamChannel</c>;
/// the page sees both by label and opens one of its own; JSON round-trips both ways; 100 MB of binary flows to the
/// page with back-pressure and arrives intact (FNV-1a 32 computed incrementally on both sides). Throughput is written
/// to the test output.
/// </summary>
public sealed class DataChannelInteropTests(ITestOutputHelper output)
{
    private const int TotalBytes = 100 * 1000 * 1000;
    private const int ChunkBytes = 64 * 1024;
    private const long MaxBuffered = 1024 * 1024;
    private static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TransferDeadline = TimeSpan.FromSeconds(120);

    private const string AnswerScript = """
        async (offer) => {
            window.cands = []; window.labels = []; window.cmdIn = []; window.rx = 0; window.fnv = 0x811c9dc5;
            window.pc = new RTCPeerConnection();
            pc.onicecandidate = e => { if (e.candidate && e.candidate.candidate) cands.push(e.candidate.candidate); };
            pc.ondatachannel = e => {
                const ch = e.channel;
                labels.push(ch.label);
                if (ch.label === 'emsCommandChannel') {
                    window.cmd = ch;
                    ch.onmessage = m => {
                        const msg = JSON.parse(m.data);
                        cmdIn.push(msg);
                        if (msg.type === 'hello') ch.send(JSON.stringify({ type: 'echo', of: msg }));
                    };
                    const hello = () => ch.send(JSON.stringify({ type: 'pageHello', n: 42 }));
                    if (ch.readyState === 'open') hello(); else ch.onopen = hello;
                } else if (ch.label === 'emsStreamChannel') {
                    ch.binaryType = 'arraybuffer';
                    ch.onmessage = m => {
                        const b = new Uint8Array(m.data);
                        let h = fnv;
                        for (let i = 0; i < b.length; i++) { h = Math.imul(h ^ b[i], 16777619); }
                        fnv = h >>> 0;
                        rx += b.length;
                    };
                }
            };
            window.own = pc.createDataChannel('pageChannel');
            await pc.setRemoteDescription({ type: 'offer', sdp: offer });
            const answer = await pc.createAnswer();
            await pc.setLocalDescription(answer);
            return pc.localDescription.sdp;
        }
        """;

    // Where the page stands, for a failure report: its channels, and the DTLS transport and selected pair as it counts them.
    private const string PageStateScript = """
        async () => {
            const stats = [];
            (await pc.getStats()).forEach(r => {
                if (r.type === 'transport' || (r.type === 'candidate-pair' && r.nominated)) {
                    stats.push({ type: r.type, state: r.state, dtlsState: r.dtlsState, packetsSent: r.packetsSent,
                        packetsReceived: r.packetsReceived, bytesReceived: r.bytesReceived,
                        msSinceLastReceived: r.lastPacketReceivedTimestamp && Math.round(performance.timeOrigin + performance.now() - r.lastPacketReceivedTimestamp),
                        msSinceLastSent: r.lastPacketSentTimestamp && Math.round(performance.timeOrigin + performance.now() - r.lastPacketSentTimestamp) });
                }
            });
            return JSON.stringify({ cmd: window.cmd && window.cmd.readyState, pc: pc.connectionState, sctp: pc.sctp && pc.sctp.state, rx: window.rx, stats });
        }
        """;

    [Fact]
    public async Task Chromium_receives_ems_channels_round_trips_json_and_100MB_with_backpressure()
    {
        await using var driver = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var session = driver.CreateSession(
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        await using var chromium = await ChromiumHarness.LaunchAsync();

        // The ems order: command channel first, then the stream channel, opened before connecting.
        var command = session.CreateDataChannel("emsCommandChannel");
        var stream = session.CreateDataChannel("emsStreamChannel");
        var serverIn = new BlockingCollection<string>();
        command.MessageReceived += (_, m) =>
        {
            Assert.True(m.IsText);
            serverIn.Add(m.Text);
        };
        var pageChannel = new TaskCompletionSource<PeerDataChannel>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Where each side stands, for a failure report: the server's session (its DTLS and SCTP counters) and port, the
        // page's channels and its view of the DTLS transport and selected pair.
        async Task<string> DescribeAsync() =>
            $"session {session.State}, stream channel buffered {stream.BufferedAmount} B, workers [{string.Join("; ", driver.WorkerStats)}], receive faults {driver.ReceiveFaults}, " +
            $"unrouted datagrams {driver.UnroutedDatagrams}; session {await session.GetSnapshotAsync()}; " +
            $"page {await chromium.Page.EvaluateAsync<string>(PageStateScript)}";
        session.DataChannelOpenedByPeer += (_, ch) => pageChannel.TrySetResult(ch);

        var offer = await session.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        Assert.Contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", offer, StringComparison.Ordinal);
        Assert.Contains("a=sctp-port:5000", offer, StringComparison.Ordinal);
        Assert.Contains("a=max-message-size:262144", offer, StringComparison.Ordinal);
        var answer = await chromium.Page.EvaluateAsync<string>(AnswerScript, offer);
        await session.SetRemoteDescriptionAsync(answer);

        await WaitUntilAsync(async () =>
        {
            foreach (var c in await chromium.Page.EvaluateAsync<string[]>("() => cands.splice(0)"))
            {
                session.AddRemoteCandidate(c);
            }

            var labels = await chromium.Page.EvaluateAsync<string[]>("() => labels");
            return labels.Length == 2 && stream.State == DataChannelState.Open && pageChannel.Task.IsCompleted;
        }, ConnectDeadline, "both ems channels at the page and the page's channel at the server", DescribeAsync);
        Assert.Equal(["emsCommandChannel", "emsStreamChannel"], await chromium.Page.EvaluateAsync<string[]>("() => labels"));
        Assert.Equal("pageChannel", (await pageChannel.Task).Label);
        Assert.Equal(262144, session.RemoteMaxMessageSize);

        // JSON both ways on emsCommandChannel: the page's hello reaches us; ours is echoed back.
        if (!serverIn.TryTake(out var pageHello, ConnectDeadline))
        {
            // Seen once in a full CI run (and a stall of the 100 MB once in eight in an earlier round), never alone:
            // say where each side stood, for the next time.
            Assert.Fail($"no pageHello within {ConnectDeadline.TotalSeconds} s: command channel {command.State}, {await DescribeAsync()}");
        }

        using (var doc = JsonDocument.Parse(pageHello))
        {
            Assert.Equal("pageHello", doc.RootElement.GetProperty("type").GetString());
            Assert.Equal(42, doc.RootElement.GetProperty("n").GetInt32());
        }

        Assert.True(command.SendText("""{"type":"hello","stream":"cam1","seq":7}"""));
        Assert.True(serverIn.TryTake(out var echo, ConnectDeadline));
        using (var doc = JsonDocument.Parse(echo))
        {
            Assert.Equal("echo", doc.RootElement.GetProperty("type").GetString());
            Assert.Equal("cam1", doc.RootElement.GetProperty("of").GetProperty("stream").GetString());
        }

        Assert.Equal("hello", await chromium.Page.EvaluateAsync<string>("() => cmdIn[0].type"));

        // 100 MB to the page, never more than 1 MB buffered.
        var source = new byte[4 << 20];
        new Random(12345).NextBytes(source);
        var expected = 0x811c9dc5u;
        long maxBuffered = 0;
        var clock = Stopwatch.StartNew();
        var sender = Task.Run(async () =>
        {
            var offset = 0;
            for (var sent = 0; sent < TotalBytes;)
            {
                var n = Math.Min(ChunkBytes, TotalBytes - sent);
                await stream.WaitForBufferedAmountBelowAsync(MaxBuffered - n + 1);
                if (offset + n > source.Length)
                {
                    offset = (offset + 4099) % (source.Length - ChunkBytes);
                }

                var chunk = source.AsSpan(offset, n);
                expected = Fnv1a(expected, chunk);
                Assert.True(stream.Send(chunk));
                maxBuffered = Math.Max(maxBuffered, stream.BufferedAmount);
                sent += n;
                offset += n;
            }
        });
        await WaitUntilAsync(async () =>
        {
            Assert.False(sender.IsFaulted, sender.Exception?.ToString());
            return await chromium.Page.EvaluateAsync<long>("() => rx") >= TotalBytes;
        }, TransferDeadline, "100 MB at the page", DescribeAsync);
        clock.Stop();
        await sender;

        var pageHash = await chromium.Page.EvaluateAsync<long>("() => fnv");
        Assert.Equal(TotalBytes, await chromium.Page.EvaluateAsync<long>("() => rx"));
        Assert.Equal(expected, (uint)pageHash);
        Assert.True(maxBuffered <= MaxBuffered, $"buffered amount reached {maxBuffered}");
        var mbits = TotalBytes * 8.0 / clock.Elapsed.TotalSeconds / 1e6;
        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "n/a";
        output.WriteLine($"Data channel throughput to Chromium: {TotalBytes / 1e6:F0} MB in {clock.Elapsed.TotalSeconds:F2} s = {mbits:F1} Mbit/s (max buffered {maxBuffered} B, loadavg {load})");
    }

    private static uint Fnv1a(uint hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, Func<Task<string>> describe)
    {
        var start = DateTime.UtcNow;
        while (!await condition())
        {
            if (DateTime.UtcNow - start >= deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}; {await describe()}");
            }

            await Task.Delay(100);
        }
    }
}
