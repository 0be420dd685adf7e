using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using EmsSharp.WebRtc;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>The server's transport against a real Chromium: ICE + DTLS reach connected, SRTP keys derived.</summary>
public sealed class WebRtcInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const string AnswerScript = """
        async (offer) => {
            window.cands = [];
            window.pc = new RTCPeerConnection();
            pc.onicecandidate = e => { if (e.candidate && e.candidate.candidate) cands.push(e.candidate.candidate); };
            pc.ondatachannel = e => { window.dc = e.channel; };
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
            pc.addTransceiver('video', { direction: 'recvonly' });
            window.dc = pc.createDataChannel('probe');
            const offer = await pc.createOffer();
            await pc.setLocalDescription(offer);
            return pc.localDescription.sdp;
        }
        """;

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public async Task Chromium_answers_server_offer_and_connects(bool video, bool dataChannel, bool mdns)
    {
        await using var driver = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var session = driver.CreateSession(
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        var appData = 0;
        session.DtlsApplicationDataReceived += (_, _) => Interlocked.Increment(ref appData);
        await using var chromium = await ChromiumHarness.LaunchAsync(hideIpsWithMdns: mdns);

        var offer = await session.CreateOfferAsync(new WebRtcOfferOptions { Video = video, DataChannel = dataChannel });
        Assert.DoesNotContain("a=fmtp:0 ", offer, StringComparison.Ordinal);
        var answer = await chromium.Page.EvaluateAsync<string>(AnswerScript, offer);
        output.WriteLine(offer);
        output.WriteLine(answer);
        session.StateChanged += (ps, st) => output.WriteLine("server state " + st + " " + ps.FailureReason);
        await session.SetRemoteDescriptionAsync(answer);

        await WaitConnectedAsync(chromium, session);
        Assert.NotNull(session.SrtpKeys);
        if (mdns)
        {
            // Chromium's candidates are xxxx.local names we do not resolve: its checks taught us its address.
            Assert.Equal(IceCandidateType.PeerReflexive, session.SelectedCandidateType);
        }

        Assert.False(session.SrtpKeys!.IsDtlsClient); // Chromium answers a=setup:active.
        Assert.True(SrtpProtectionProfile.TryGetLengths(session.SrtpKeys.ProfileId, out var k, out var s));
        Assert.Equal(2 * (k + s), session.SrtpKeys.KeyingMaterial.Length);
        if (dataChannel)
        {
            // Chromium's SCTP INIT rides on DTLS application data.
            await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref appData) > 0), "SCTP INIT over DTLS");
        }
    }

    [Fact]
    public async Task Server_answers_Chromium_offer_and_connects()
    {
        await using var driver = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var session = driver.CreateSession(
            new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        await using var chromium = await ChromiumHarness.LaunchAsync();

        var offer = await chromium.Page.EvaluateAsync<string>(OfferScript);
        await session.SetRemoteDescriptionAsync(offer);
        var answer = await session.CreateAnswerAsync();
        await chromium.Page.EvaluateAsync("async (sdp) => await pc.setRemoteDescription({ type: 'answer', sdp })", answer);

        await WaitConnectedAsync(chromium, session);
        Assert.True(session.SrtpKeys!.IsDtlsClient); // We answered a=setup:active.
    }

    private async Task WaitConnectedAsync(ChromiumHarness chromium, PeerSession session)
    {
        await WaitUntilAsync(async () =>
        {
            var candidates = await chromium.Page.EvaluateAsync<string[]>("() => cands.splice(0)");
            foreach (var c in candidates)
            {
                output.WriteLine("remote " + c);
                session.AddRemoteCandidate(c);
            }

            var state = await chromium.Page.EvaluateAsync<string>("() => pc.connectionState");
            output.WriteLine("chromium " + state + " / ice " + await chromium.Page.EvaluateAsync<string>("() => pc.iceConnectionState"));
            Assert.NotEqual("failed", state);
            return state == "connected" && session.State == PeerSessionState.Connected;
        }, "Chromium and server connected");
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
}
