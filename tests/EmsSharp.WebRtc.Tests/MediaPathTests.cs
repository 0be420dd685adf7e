using System.Buffers.Binary;
using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// The media path end to end over an impaired in-memory network: a server session sends SRTP-protected H.264
/// (RtpTrackSender + H264Packetizer) to a browser-like session that NACKs what it misses over SRTCP; the sender
/// answers from its history until every packet arrived and every access unit reassembles byte for byte. ICE and
/// the network run on fake time; the DTLS handshake on real time with event waits (as in <see cref="PeerSessionTests"/>).
/// </summary>
public sealed class MediaPathTests(ITestOutputHelper output)
{
    public enum Topology
    {
        /// <summary>Both sides on public addresses.</summary>
        Direct,

        /// <summary>The browser behind a NAT with only its (unreachable) host candidate: its checks reveal it.</summary>
        NatPeerReflexive,

        /// <summary>The browser behind a NAT learns its mapping from a STUN server and signals it.</summary>
        NatServerReflexive,

        /// <summary>The server's UDP is blocked: it reaches the browser only through its TURN relay.</summary>
        Relayed,
    }

    private const uint VideoSsrc = 0x10000001;
    private const uint RtxSsrc = 0x10000002;
    private const byte RtxPayloadType = 97;
    private const uint BrowserSsrc = 0x0B0B0B0B;
    private const ushort FirstSequence = 65400; // wraps during the test
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(11);
    private static readonly TimeSpan NackPatience = TimeSpan.FromMilliseconds(30);
    private static readonly byte[] Sps = [0x67, 0x42, 0xE0, 0x1F, 0xDA, 0x02, 0x80, 0xBF, 0xE5, 0x84];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];

    [Theory]
    [InlineData(Topology.Direct, IceCandidateType.Host)]
    [InlineData(Topology.NatPeerReflexive, IceCandidateType.PeerReflexive)]
    [InlineData(Topology.NatServerReflexive, IceCandidateType.ServerReflexive)]
    [InlineData(Topology.Relayed, IceCandidateType.Host)]
    public async Task H264_over_srtp_with_5_percent_loss_is_fully_recovered_by_nack(
        Topology topology, IceCandidateType expectedPath)
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryPeerNetwork(new NetworkConditions
        {
            Time = time,
            Seed = 7 + (int)topology,
            LossRate = 0.05,
            BaseDelay = TimeSpan.FromMilliseconds(2),
            Jitter = TimeSpan.FromMilliseconds(8),
        });
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1 };
        var behindNat = topology is Topology.NatPeerReflexive or Topology.NatServerReflexive;
        await using var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000), options, time);
        await using var browser = net.CreateSession(
            new IPEndPoint(IPAddress.Parse(behindNat ? "10.0.0.2" : "192.0.2.2"), 6000),
            options with { Certificate = DtlsCertificate.Generate(), RandomSeed = 2 }, time,
            natPublic: behindNat ? new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000) : null);

        var serverKeys = new TaskCompletionSource<DtlsSrtpKeys>(TaskCreationOptions.RunContinuationsAsynchronously);
        var browserKeys = new TaskCompletionSource<DtlsSrtpKeys>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.DtlsConnected += (_, k) => serverKeys.TrySetResult(k);
        browser.DtlsConnected += (_, k) => browserKeys.TrySetResult(k);
        if (topology == Topology.Relayed)
        {
            net.Block(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000));
            net.AddRelay(server, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 50000));
        }

        if (topology == Topology.NatServerReflexive)
        {
            // Gathered before the answer is made, so the answer carries it (as a browser's would after gathering).
            browser.AddLocalCandidate(new IceCandidate("s0", 1, IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, 65535, 1),
                "203.0.113.7", 40000, IceCandidateType.ServerReflexive, "10.0.0.2", 6000));
        }

        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { Video = true, VideoSsrc = VideoSsrc });
        await browser.SetRemoteDescriptionAsync(offer);
        var answer = await browser.CreateAnswerAsync();
        await server.SetRemoteDescriptionAsync(answer);
        await StepUntilAsync(time, Task.WhenAll(serverKeys.Task, browserKeys.Task), static () => { },
            describe: () => $"server {server.State} {server.RemoteEndPoint} {server.SelectedCandidateType} "
                + $"{server.FailureReason} browser {browser.State} {browser.RemoteEndPoint} {browser.FailureReason} by kind {string.Join(",", net.DeliveredByKind)} delivered {net.Delivered} dropped "
                + $"{net.Dropped} nat {net.NatRejected}");

        Assert.Equal(expectedPath, server.SelectedCandidateType);
        Assert.Equal(topology == Topology.Relayed ? "turn/udp" : "udp", server.SelectedPathKind);
        if (behindNat)
        {
            Assert.True(net.NatRejected > 0, "the NAT should have filtered the server's checks to the inside address");
        }

        var sk = await serverKeys.Task;
        var bk = await browserKeys.Task;
        Assert.True(SrtpContextFactory.TryCreate(sk.ProfileId, sk.KeyingMaterial, sk.IsDtlsClient, out var serverLocal, out var serverRemote));
        Assert.True(SrtpContextFactory.TryCreate(bk.ProfileId, bk.KeyingMaterial, bk.IsDtlsClient, out var browserLocal, out var browserRemote));
        using var disposeContexts = new ContextsOwner(serverLocal, serverRemote, browserLocal, browserRemote);

        // The media: two GOPs of a synthetic 30 fps stream, 50 kB keyframes and ~5 kB P frames.
        var frames = CreateAccessUnits(frameCount: 45, gop: 30, keyframeSize: 50_000, seed: 11);
        var payloads = Packetize(frames);
        var sender = new RtpTrackSender(new RtpTrackSenderOptions
        {
            Ssrc = VideoSsrc,
            PayloadType = WebRtcPayloadTypes.H264,
            ClockRate = 90000,
            InitialSequenceNumber = FirstSequence,
            TimestampOffset = 0x12345678,
            Mid = "0",
            MidExtensionId = WebRtcPayloadTypes.MidExtensionId,
            AbsSendTimeExtensionId = WebRtcPayloadTypes.AbsSendTimeExtensionId,
            // RTX (RFC 4588) as Chromium negotiates it. (A plain retransmission reuses its SRTP index and passes the
            // receiver's replay window only while it is less than the window behind the newest: 1,024 packets here.)
            RtxPayloadType = RtxPayloadType,
            RtxSsrc = RtxSsrc,
            HistoryCapacity = 1024,
            HistoryMaxAge = TimeSpan.FromSeconds(30),
        }, serverLocal);
        var packetCount = 0;
        foreach (var frame in payloads)
        {
            packetCount += frame.Count;
        }

        var receiver = new NackingH264Receiver(browserRemote, browserLocal, BrowserSsrc, VideoSsrc, RtxSsrc, FirstSequence,
            packetCount, time);
        browser.RtpOrRtcpReceived += (_, datagram) => receiver.OnDatagram(datagram);
        var origin = time.GetTimestamp();
        server.RtpOrRtcpReceived += (session, datagram) =>
            AnswerFeedback(session, datagram, serverRemote, sender, time.GetElapsedTime(origin));

        var nackBuffer = new byte[1500];
        void PumpNacks()
        {
            while (receiver.TryWriteNack(NackPatience, nackBuffer, out var n))
            {
                browser.SendRtpOrRtcp(nackBuffer.AsSpan(0, n));
            }
        }

        var packet = new byte[sender.RequiredBufferSize];
        for (var f = 0; f < payloads.Count; f++)
        {
            var now = time.GetElapsedTime(origin);
            var timestamp = (uint)(f * 3000);
            lock (sender)
            {
                foreach (var (payload, marker) in payloads[f])
                {
                    Assert.True(sender.TryWritePacket(payload, marker, timestamp, now, packet, out var n));
                    Assert.True(server.SendRtpOrRtcp(packet.AsSpan(0, n)));
                }
            }

            // 33 ms per frame, in steps that deliver, NACK and retransmit as they go.
            await StepUntilAsync(time, Task.CompletedTask, PumpNacks, steps: 3);
        }

        receiver.MarkAllSent();
        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StepUntilAsync(time, complete.Task, () =>
        {
            PumpNacks();
            if (receiver.Complete)
            {
                complete.TrySetResult();
            }
        }, describe: () => receiver.Describe() + $" server {server.State} {server.FailureReason} browser {browser.State} "
            + $"{browser.FailureReason} by kind {string.Join(",", net.DeliveredByKind)} replayed {browserRemote.ReplayedPackets} retransmitted "
            + $"{sender.RetransmittedPackets} unanswerable {sender.UnanswerableNacks}");

        output.WriteLine(
            $"{topology}: {packetCount} packets, dropped {net.Dropped} (all kinds), NAT-filtered {net.NatRejected}, " +
            $"{receiver.NacksSent} NACKs for {receiver.SequenceNumbersNacked} sequence numbers, " +
            $"{sender.RetransmittedPackets} retransmitted ({receiver.RtxReceived} RTX received), out of order {receiver.OutOfOrder}, duplicates " +
            $"{receiver.Duplicates}, rejected {receiver.Rejected}, path {server.SelectedCandidateType} over {server.SelectedPathKind}");

        Assert.True(net.Dropped > 0, "the seeded loss should have dropped packets");
        Assert.True(receiver.NacksSent > 0);
        Assert.True(sender.RetransmittedPackets > 0);
        Assert.True(receiver.RtxReceived > 0);
        Assert.True(receiver.OutOfOrder > 0, "the jitter should have reordered packets");
        Assert.Equal(packetCount, receiver.Received);
        Assert.Equal(0, receiver.DroppedAccessUnits);
        Assert.Equal(frames.Count, receiver.AccessUnits.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Equal(ExpectedAccessUnit(frames[i], isKeyframe: i % 30 == 0), receiver.AccessUnits[i]);
        }

        Assert.Equal(0, browserRemote.AuthenticationFailures);
        Assert.Equal(0, serverRemote.AuthenticationFailures);
    }

    /// <summary>Server side: SRTCP-unprotect, hand NACKs to the sender, send what it retransmits (on the session loop).</summary>
    private static void AnswerFeedback(
        PeerSession session, ReadOnlySpan<byte> datagram, SrtpContext remote, RtpTrackSender sender, TimeSpan now)
    {
        var buffer = datagram.ToArray();
        if (!remote.TryUnprotectRtcp(buffer, buffer.Length, out var length) ||
            !RtcpCompoundPacket.TryRead(buffer.AsSpan(0, length), out var compound, out _))
        {
            return;
        }

        var retransmission = new byte[sender.RequiredBufferSize];
        lock (sender)
        {
            sender.HandleRtcp(compound, now);
            while (sender.TryPollRetransmission(now, retransmission, out var n))
            {
                session.SendRtpOrRtcp(retransmission.AsSpan(0, n));
            }
        }
    }

    /// <summary>Steps fake time (at least <paramref name="steps"/> times) until <paramref name="done"/>, running <paramref name="each"/> per step.</summary>
    private static async Task StepUntilAsync(FakeTimeProvider time, Task done, Action each, int steps = 0,
        Func<string>? describe = null)
    {
        var start = DateTime.UtcNow;
        for (var i = 0; i < steps || !done.IsCompleted; i++)
        {
            Assert.True(DateTime.UtcNow - start < Deadline, "timed out " + describe?.Invoke());
            time.Advance(Step);
            each();
            // Let the session loops (thread pool) run what the step delivered; bounded, not a sleep of protocol logic.
            await Task.WhenAny(done, Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System));
        }

        await done;
    }

    private static List<byte[]> CreateAccessUnits(int frameCount, int gop, int keyframeSize, int seed)
    {
        var random = new Random(seed);
        var frames = new List<byte[]>(frameCount);
        for (var i = 0; i < frameCount; i++)
        {
            var keyframe = i % gop == 0;
            var nal = new byte[keyframe ? keyframeSize : random.Next(4_000, 6_000)];
            random.NextBytes(nal);
            nal[0] = keyframe ? (byte)0x65 : (byte)0x41; // IDR / non-IDR slice, nal_ref_idc 3 / 2
            var au = new byte[4 + nal.Length];
            BinaryPrimitives.WriteInt32BigEndian(au, nal.Length);
            nal.CopyTo(au, 4);
            frames.Add(au);
        }

        return frames;
    }

    private static List<List<(byte[] Payload, bool Marker)>> Packetize(List<byte[]> frames)
    {
        var result = new List<List<(byte[], bool)>>(frames.Count);
        var buffer = new byte[H264Packetizer.DefaultMaxPayloadSize];
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.True(H264Packetizer.TryCreate(frames[i], i % 30 == 0, Sps, Pps, H264Packetizer.DefaultMaxPayloadSize,
                out var packetizer));
            var payloads = new List<(byte[], bool)>();
            while (packetizer.TryWriteNext(buffer, out var n, out var marker))
            {
                payloads.Add((buffer.AsSpan(0, n).ToArray(), marker));
            }

            Assert.True(payloads[^1].Item2, "the last payload of an access unit carries the marker");
            result.Add(payloads);
        }

        return result;
    }

    /// <summary>What the receiver must rebuild: keyframes gain the SPS and PPS sent ahead in a STAP-A.</summary>
    private static byte[] ExpectedAccessUnit(byte[] frame, bool isKeyframe)
    {
        if (!isKeyframe)
        {
            return frame;
        }

        var expected = new byte[4 + Sps.Length + 4 + Pps.Length + frame.Length];
        BinaryPrimitives.WriteInt32BigEndian(expected, Sps.Length);
        Sps.CopyTo(expected, 4);
        BinaryPrimitives.WriteInt32BigEndian(expected.AsSpan(4 + Sps.Length), Pps.Length);
        Pps.CopyTo(expected, 8 + Sps.Length);
        frame.CopyTo(expected, 8 + Sps.Length + Pps.Length);
        return expected;
    }

    private sealed class ContextsOwner(params SrtpContext[] contexts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var c in contexts)
            {
                c.Dispose();
            }
        }
    }
}
