using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Interop.Tests.Fmp4;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Srtp;
using EmsSharp.WebRtc;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Load;

/// <summary>
/// Our answerer stack against Janus, the capacity runs' comparison peer: Janus (bench/janus/conf) serves
/// samples/test.flv fed by ffmpeg as H.264 RTP; <see cref="JanusViewerSignalling"/> watches the mountpoint and a
/// <see cref="PeerSession"/> of ours answers Janus's offer, completes ICE and DTLS and authenticates Janus's SRTP.
/// </summary>
public sealed class JanusInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const int PacketsToReceive = 100;

    [Fact]
    public async Task PeerSession_answers_Janus_streaming_offer_and_receives_SRTP()
    {
        var videoPort = FreeUdpPort();
        using var janus = JanusProcess.Start(FreePort.Get(), videoPort);
        using var ffmpeg = FfmpegProcess.Start(
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
            "-i", HeadlessChromium.FindRepositoryFile("samples/test.flv"), "-an", "-c:v", "copy",
            "-bsf:v", "h264_mp4toannexb", "-f", "rtp", "-payload_type", "96", $"rtp://127.0.0.1:{videoPort}");
        try
        {
            await janus.WaitListeningAsync(Deadline);
            await RunViewerAsync(janus, ffmpeg);
        }
        finally
        {
            output.WriteLine("janus output:\n" + janus.Output);
            output.WriteLine("ffmpeg stderr:\n" + ffmpeg.Stderr);
        }
    }

    [Fact]
    public async Task Watching_a_missing_mountpoint_throws_Janus_error()
    {
        using var janus = JanusProcess.Start(FreePort.Get(), FreeUdpPort());
        await janus.WaitListeningAsync(Deadline);
        using var timeout = new CancellationTokenSource(Deadline);
        await using var signalling = new JanusViewerSignalling(new Uri($"ws://127.0.0.1:{janus.WebSocketPort}"), 4242);
        var error = await Assert.ThrowsAsync<JanusApiException>(() => signalling.JoinAsync(timeout.Token));
        output.WriteLine(error.Message);
        Assert.Equal(455, error.Code); // JANUS_STREAMING_ERROR_NO_SUCH_MOUNTPOINT
    }

    private async Task RunViewerAsync(JanusProcess janus, FfmpegProcess ffmpeg)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        // Janus (libnice) never gathers on loopback: its host candidate is this machine's own address, which the
        // kernel routes over lo all the same. Bind our port to all addresses so both sides see host candidates.
        await using var driver = UdpPortDriver.Start(new UdpPortDriverOptions { IncludeLoopback = true });
        await using var session = driver.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate() });
        await using var signalling = new JanusViewerSignalling(new Uri($"ws://127.0.0.1:{janus.WebSocketPort}"), 1);
        session.StateChanged += (s, state) => output.WriteLine($"ours: {state} {s.FailureReason}");
        signalling.RemoteCandidate += c =>
        {
            output.WriteLine("janus trickled " + c);
            session.AddRemoteCandidate(c);
        };
        session.LocalCandidate += (s, c) => _ = signalling.SendCandidateAsync(c, timeout.Token);

        var rtp = 0;
        var authenticated = 0;
        SrtpContext? inbound = null;
        session.DtlsConnected += (_, keys) =>
        {
            if (SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient,
                out var local, out var remote))
            {
                local.Dispose();
                inbound = remote;
            }
        };
        session.RtpOrRtcpReceived += (s, datagram) =>
        {
            // RFC 5761 §4: RTCP packet types 192-223 share the port; everything else here is RTP.
            if (datagram.Length < 12 || datagram[1] is >= 192 and <= 223)
            {
                return;
            }

            Interlocked.Increment(ref rtp);
            var copy = datagram.ToArray();
            if (inbound is { } context && context.TryUnprotectRtp(copy, copy.Length, out _))
            {
                Interlocked.Increment(ref authenticated);
            }
        };

        var offer = await signalling.JoinAsync(timeout.Token);
        output.WriteLine("janus offer:\n" + offer);
        await session.SetRemoteDescriptionAsync(offer);
        var answer = await session.CreateAnswerAsync();
        output.WriteLine("our answer:\n" + answer);
        await signalling.AnswerAsync(answer, timeout.Token);

        await WaitUntilAsync(() =>
        {
            Assert.False(janus.HasExited, "janus died");
            Assert.False(ffmpeg.HasExited, "ffmpeg died");
            Assert.NotEqual(PeerSessionState.Failed, session.State);
            Assert.Null(signalling.HangupReason);
            return session.State == PeerSessionState.Connected && Volatile.Read(ref authenticated) >= PacketsToReceive;
        }, $"DTLS connected and {PacketsToReceive} SRTP packets authenticated", () =>
            $"state {session.State}, rtp {Volatile.Read(ref rtp)}, authenticated {Volatile.Read(ref authenticated)}");

        output.WriteLine($"connected over {session.RemoteEndPoint} ({session.SelectedCandidateType}), profile "
            + $"0x{session.SrtpKeys!.ProfileId:X4}, we are DTLS {(session.SrtpKeys.IsDtlsClient ? "client" : "server")}; "
            + $"{rtp} RTP packets, {authenticated} authenticated; Janus webrtcup: {signalling.WebRtcUp}");
        Assert.True(session.SrtpKeys.IsDtlsClient); // Janus offers actpass; we answer active.
        inbound?.Dispose();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, Func<string> state)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < Deadline, $"Timed out waiting for: {what} ({state()})");
            await Task.Delay(50);
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
