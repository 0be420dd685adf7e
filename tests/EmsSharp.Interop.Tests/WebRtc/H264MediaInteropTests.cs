using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.WebRtc;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// The media path against a real Chromium: an ems-side <see cref="PeerSession"/> sends an ffmpeg-encoded H.264 clip
/// (H264Packetizer + RtpTrackSender, SRTP-protected, paced at 30 fps by a timer in this driver) and the page's
/// decoder counts frames (getStats inbound-rtp framesDecoded). RTCP from Chromium (NACK, PLI) is fed back to the
/// sender. Real time is inherent to a browser test; the protocol code stays sans-IO.
/// </summary>
public sealed partial class H264MediaInteropTests(ITestOutputHelper output)
{
    private const int FramesToDecode = 30;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private const string AnswerScript = """
        async (offer) => {
            window.cands = [];
            window.pc = new RTCPeerConnection();
            pc.onicecandidate = e => { if (e.candidate && e.candidate.candidate) cands.push(e.candidate.candidate); };
            pc.ontrack = e => {
                const v = document.createElement('video');
                v.muted = true; v.autoplay = true; v.playsInline = true;
                v.srcObject = new MediaStream([e.track]);
                document.body.appendChild(v);
                v.play().catch(() => {});
            };
            await pc.setRemoteDescription({ type: 'offer', sdp: offer });
            const answer = await pc.createAnswer();
            await pc.setLocalDescription(answer);
            return pc.localDescription.sdp;
        }
        """;

    private const string OfferScript = """
        async () => {
            window.cands = [];
            window.pc = new RTCPeerConnection();
            pc.onicecandidate = e => { if (e.candidate && e.candidate.candidate) cands.push(e.candidate.candidate); };
            pc.ontrack = e => {
                const v = document.createElement('video');
                v.muted = true; v.autoplay = true; v.playsInline = true;
                v.srcObject = new MediaStream([e.track]);
                document.body.appendChild(v);
                v.play().catch(() => {});
            };
            pc.addTransceiver('video', { direction: 'recvonly' });
            const offer = await pc.createOffer();
            await pc.setLocalDescription(offer);
            return pc.localDescription.sdp;
        }
        """;

    private const string FramesDecodedScript = """
        async () => {
            const stats = await pc.getStats();
            let frames = 0;
            stats.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded || 0; });
            return frames;
        }
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Chromium_decodes_h264_sent_by_the_server(bool serverOffers)
    {
        var directory = Directory.CreateTempSubdirectory("ems-h264-");
        try
        {
            var clip = await H264AnnexBClip.EncodeAsync(directory.FullName, seconds: 4);
            output.WriteLine($"clip: {clip.AccessUnits.Count} access units, SPS {clip.Sps.Length} B, PPS {clip.Pps.Length} B");
            await RunAsync(clip, serverOffers);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task RunAsync(H264AnnexBClip clip, bool serverOffers)
    {
        await using var driver = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var session = driver.CreateSession(
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        await using var chromium = await ChromiumHarness.LaunchAsync();

        string ourSdp;
        if (serverOffers)
        {
            ourSdp = await session.CreateOfferAsync(new WebRtcOfferOptions { Video = true });
            var answer = await chromium.Page.EvaluateAsync<string>(AnswerScript, ourSdp);
            await session.SetRemoteDescriptionAsync(answer);
        }
        else
        {
            var offer = await chromium.Page.EvaluateAsync<string>(OfferScript);
            await session.SetRemoteDescriptionAsync(offer);
            ourSdp = await session.CreateAnswerAsync();
            await chromium.Page.EvaluateAsync("async (sdp) => await pc.setRemoteDescription({ type: 'answer', sdp })", ourSdp);
        }

        var video = VideoSection.Parse(ourSdp);
        output.WriteLine($"video: pt {video.PayloadType}, ssrc {video.Ssrc}, mid {video.Mid}, mid ext {video.MidExtensionId}, "
            + $"abs-send-time ext {video.AbsSendTimeExtensionId}");

        await WaitUntilAsync(async () =>
        {
            foreach (var c in await chromium.Page.EvaluateAsync<string[]>("() => cands.splice(0)"))
            {
                session.AddRemoteCandidate(c);
            }

            var state = await chromium.Page.EvaluateAsync<string>("() => pc.connectionState");
            Assert.NotEqual("failed", state);
            return state == "connected" && session.State == PeerSessionState.Connected;
        }, "Chromium and server connected");
        var connectedAt = Stopwatch.GetTimestamp();

        var keys = session.SrtpKeys!;
        Assert.True(SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out var local, out var remote));
        using var localContext = local;
        using var remoteContext = remote;
        var sender = new RtpTrackSender(new RtpTrackSenderOptions
        {
            Ssrc = video.Ssrc,
            PayloadType = (byte)video.PayloadType,
            ClockRate = 90000,
            InitialSequenceNumber = (ushort)Random.Shared.Next(ushort.MaxValue),
            TimestampOffset = (uint)Random.Shared.Next(),
            Mid = video.Mid,
            MidExtensionId = video.MidExtensionId,
            AbsSendTimeExtensionId = video.AbsSendTimeExtensionId,
        }, local);
        var origin = Stopwatch.GetTimestamp();
        session.RtpOrRtcpReceived += (s, datagram) =>
            OnFeedback(s, datagram, remote, sender, Stopwatch.GetElapsedTime(origin));

        using var stop = new CancellationTokenSource();
        var pump = Task.Run(() => SendAtFrameRateAsync(session, sender, clip, origin, stop.Token));
        try
        {
            var frames = 0;
            long? firstFrameAt = null;
            await WaitUntilAsync(async () =>
            {
                Assert.False(pump.IsFaulted, pump.Exception?.ToString());
                frames = await chromium.Page.EvaluateAsync<int>(FramesDecodedScript);
                if (frames > 0)
                {
                    firstFrameAt ??= Stopwatch.GetTimestamp();
                }

                return frames > FramesToDecode;
            }, $"more than {FramesToDecode} frames decoded");

            output.WriteLine($"{(serverOffers ? "server offers" : "server answers")}: connected -> first decoded frame "
                + $"{Stopwatch.GetElapsedTime(connectedAt, firstFrameAt!.Value).TotalMilliseconds:F0} ms, "
                + $"{frames} frames decoded after {Stopwatch.GetElapsedTime(connectedAt).TotalMilliseconds:F0} ms; "
                + $"sent {sender.Reports.PacketCount} packets, NACKed {sender.NackedPackets}, "
                + $"retransmitted {sender.RetransmittedPackets}, keyframe requests {sender.KeyframeRequests}, "
                + $"profile 0x{keys.ProfileId:X4}, path {session.SelectedCandidateType}");
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    /// <summary>30 fps from a timer: each tick packetizes, protects and sends the next access unit (the clip loops).</summary>
    private static async Task SendAtFrameRateAsync(PeerSession session, RtpTrackSender sender, H264AnnexBClip clip,
        long origin, CancellationToken cancellation)
    {
        var payload = new byte[H264Packetizer.DefaultMaxPayloadSize];
        var packet = new byte[sender.RequiredBufferSize];
        var report = new byte[1500];
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / 30), TimeProvider.System);
        for (var frame = 0; !cancellation.IsCancellationRequested; frame++)
        {
            var (avcc, keyframe) = clip.AccessUnits[frame % clip.AccessUnits.Count];
            var now = Stopwatch.GetElapsedTime(origin);
            lock (sender)
            {
                Assert.True(H264Packetizer.TryCreate(avcc, keyframe, clip.Sps, clip.Pps, payload.Length, out var packetizer));
                while (packetizer.TryWriteNext(payload, out var n, out var marker))
                {
                    Assert.True(sender.TryWritePacket(payload.AsSpan(0, n).ToArray(), marker, (uint)(frame * 3000), now, packet, out var length));
                    session.SendRtpOrRtcp(packet.AsSpan(0, length));
                }

                // RFC 3550 §6.2: a sender report about once a second, for lip sync and RTT.
                if (frame % 30 == 0 && sender.TryWriteSenderReport(now, DateTimeOffset.UtcNow, report, out var written))
                {
                    session.SendRtpOrRtcp(report.AsSpan(0, written));
                }
            }

            try
            {
                await timer.WaitForNextTickAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Chromium's SRTCP (receiver reports, NACK, PLI) goes to the sender; retransmissions go out at once.</summary>
    private static void OnFeedback(
        PeerSession session, ReadOnlySpan<byte> datagram, SrtpContext remote, RtpTrackSender sender, TimeSpan now)
    {
        // RFC 5761 §4: RTCP packet types 200-206 put 72-78 in the payload type field (with the marker bit set).
        if (datagram.Length < 2 || datagram[1] is < 192 or > 223)
        {
            return;
        }

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

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var start = DateTime.UtcNow;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow - start < Deadline, "Timed out waiting for: " + what);
            await Task.Delay(50);
        }
    }

    /// <summary>What our own SDP says about the video section: payload type, SSRC, MID and extension ids.</summary>
    private sealed partial record VideoSection(int PayloadType, uint Ssrc, string? Mid, int MidExtensionId, int AbsSendTimeExtensionId)
    {
        public static VideoSection Parse(string sdp)
        {
            var section = sdp[sdp.IndexOf("m=video ", StringComparison.Ordinal)..];
            var next = section.IndexOf("\r\nm=", StringComparison.Ordinal);
            section = next < 0 ? section : section[..next];
            var pt = int.Parse(MediaLine().Match(section).Groups[1].Value, CultureInfo.InvariantCulture);
            var ssrc = uint.Parse(SsrcLine().Match(section).Groups[1].Value, CultureInfo.InvariantCulture);
            var mid = MidLine().Match(section) is { Success: true } m ? m.Groups[1].Value : null;
            return new VideoSection(pt, ssrc, mid, ExtensionId(section, WebRtcPayloadTypes.MidExtensionUri),
                ExtensionId(section, WebRtcPayloadTypes.AbsSendTimeUri));
        }

        private static int ExtensionId(string section, string uri)
        {
            foreach (Match m in ExtmapLine().Matches(section))
            {
                if (m.Groups[2].Value == uri)
                {
                    return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }

        [GeneratedRegex(@"^m=video \d+ \S+ (\d+)", RegexOptions.Multiline)]
        private static partial Regex MediaLine();

        [GeneratedRegex(@"^a=ssrc:(\d+) ", RegexOptions.Multiline)]
        private static partial Regex SsrcLine();

        [GeneratedRegex(@"^a=mid:(\S+)", RegexOptions.Multiline)]
        private static partial Regex MidLine();

        [GeneratedRegex(@"^a=extmap:(\d+) (\S+)", RegexOptions.Multiline)]
        private static partial Regex ExtmapLine();
    }
}
