using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Tests;
using EmsSharp.WebRtc;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// The ems's WebRTC side (issue 12): hostile datagrams on the shared UDP port, poison startWebrtc values that were saved
/// and replayed, a thread per session held by peers that never answer, uncapped peer-opened data channels.
/// Covered by unit tests against the cores instead (they need a peer that writes raw SCTP): partial-PPID messages
/// (DataChannelManagerTests.DeprecatedPartialPpids_OverMaxMessageSize_DroppedCountedAndNextMessageDelivered), out-of-window
/// DATA and linear reassembly (SctpInboundRobustnessTests.DataBeyondTheTsnWindow_IsDroppedCountedAndNotAcked,
/// Reassembly_OfManyFragmentsInAnyOrder_IsExact), and the deadlines themselves
/// (PeerSessionTests.Offer_without_an_answer_fails_after_the_answer_timeout,
/// Ice_connected_without_dtls_fails_after_the_dtls_timeout, Dtls_worker_waits_for_ice_a_client_hello_before_it_gets_no_answer).
/// </summary>
internal static class WebRtcProbes
{
    private const int JunkDatagrams = 2400;
    private const int PlaysOn = 100; // packets, about a second of the sample's video and audio
    private const int Unanswered = 20;
    private const int Channels = 24;
    private const int ChannelCap = 16; // data channels a browser may open

    public static IEnumerable<Probe> All => [Garbage, PoisonErsIp, NoAnswer, ManyChannels];

    private static Probe Garbage => new(
        $"WebRTC: {JunkDatagrams} junk datagrams to the UDP port from a stranger and as many from a connected viewer's own address, a junk ICE-TCP frame: no receive fault, a playing viewer plays on, a new one plays",
        async (rig, token) =>
        {
            var port = rig.WebRtc;
            var faults = port.ReceiveFaults;
            await using var watching = rig.NewViewer(ViewerTransport.Srtp);
            await watching.JoinAsync(token);
            await watching.FirstKeyframe.WaitAsync(token); // it plays
            await using var hostile = rig.NewViewer(ViewerTransport.Srtp);
            await hostile.JoinAsync(token);

            var random = new Random(5004);
            using (var stranger = new UdpClient(new IPEndPoint(rig.NextAttacker(), 0)))
            {
                foreach (var datagram in Junk.Datagrams(random, JunkDatagrams))
                    await stranger.SendAsync(datagram, port.LocalEndPoint, token);
            }

            foreach (var datagram in Junk.Datagrams(random, JunkDatagrams))
                hostile.Driver!.Send(datagram, port.LocalEndPoint); // routed to its session: ICE, DTLS and SRTP see it

            using var tcp = new TcpClient(new IPEndPoint(rig.NextAttacker(), 0));
            await tcp.ConnectAsync(port.TcpEndPoint!, token);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Junk.TcpFrame(random), token);
            try
            {
                Assert.Equal(0, await stream.ReadAsync(new byte[1], token)); // closed: its first frame was no check
            }
            catch (IOException)
            {
                // reset: closed as well
            }

            await watching.WaitForPacketsAsync(watching.Packets + PlaysOn, token); // it plays on
            await using (var joining = rig.NewViewer(ViewerTransport.Srtp))
            {
                await joining.JoinAsync(token); // its checks queue behind the junk
                await joining.FirstKeyframe.WaitAsync(token);
            }

            Assert.Equal(faults, port.ReceiveFaults);
            Assert.Null(watching.Failure);

            return $"{2 * JunkDatagrams} datagrams, 0 receive faults; the playing viewer got {PlaysOn} packets more, a new one played; " +
                $"the hostile viewer's session: {hostile.Session!.State}; ICE-TCP junk: closed";
        });

    private static Probe PoisonErsIp => new(
        "WebRTC: startWebrtc ersip=127.0.0.1:0, x/abuse#, a list with an empty or a tenth entry, or with a space FAILs naming ersip, nothing is saved; configs.json is 0600",
        async (rig, token) =>
        {
            var failures = new List<string>();
            foreach (var ersip in new[] { "127.0.0.1:0", "x/abuse#", "ers1,,ers2", "a,b,c,d,e,f,g,h,i,j", "ers host" })
            {
                var (_, reply) = await rig.ApiAsync(HttpMethod.Get, $"startWebrtc?ersip={Uri.EscapeDataString(ersip)}&ersport=4545&roomid=abuse", token);
                failures.Add(reply.Description());
            }

            await using (var cli = await CliClient.ConnectAsync(rig.JsonCli, rig.NextAttacker()))
            {
                var reply = await cli.JsonAsync(@"startWebrtc ersip=ers\ host ersport=4545 roomid=abuse");
                rig.Replies.Add("JSON CLI", reply.GetRawText());
                failures.Add(reply.Description());
            }

            Assert.All(failures, f => Assert.StartsWith("Invalid value for ersip: ", f, StringComparison.Ordinal));
            var (_, config) = await rig.ApiAsync(HttpMethod.Get, "listConfig", token);
            Assert.Equal(1, config.Data().GetProperty("webrtc").GetArrayLength()); // the rig's own room only
            var path = Path.Combine(rig.Ems.Options.DataFolderFullPath, ConfigurationStore.FileName);
            Assert.DoesNotContain("abuse", await File.ReadAllTextAsync(path, token), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            return $"{failures.Count} FAILs naming ersip; listConfig and configs.json hold the rig's room only; 0600";
        });

    private static Probe NoAnswer => new(
        $"WebRTC: {Unanswered} viewers that take an offer and never answer hold no thread each",
        async (rig, token) =>
        {
            var threads = ThreadCount();
            var viewers = new List<IViewerSignalling>();
            try
            {
                for (var i = 0; i < Unanswered; i++)
                {
                    viewers.Add(rig.NewViewerSignalling());
                    await viewers[^1].JoinAsync(token); // the ems's offer, never answered
                }

                var peers = await rig.Rig.CountPeersAsync();
                var grown = ThreadCount() - threads;
                Assert.True(peers >= Unanswered, $"{peers} sessions listed");
                Assert.True(grown < Unanswered / 2, $"{grown} more threads with {peers} unanswered sessions");
                return $"{peers} sessions waiting for an answer, threads {grown:+0;-0}";
            }
            finally
            {
                foreach (var viewer in viewers)
                    await viewer.DisposeAsync();
            }
        });

    private static Probe ManyChannels => new(
        $"WebRTC data channels: a viewer opening {Channels} channels keeps {ChannelCap}, the rest are refused, its session stays up",
        async (rig, token) =>
        {
            await using var viewer = rig.NewViewer(ViewerTransport.Fmp4);
            await viewer.JoinAsync(token);
            var refused = 0;
            var allRefused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var channels = new List<PeerDataChannel>();
            for (var i = 0; i < Channels; i++)
            {
                var channel = viewer.Session!.CreateDataChannel("probe" + i);
                channel.Closed += _ =>
                {
                    if (Interlocked.Increment(ref refused) == Channels - ChannelCap)
                        allRefused.TrySetResult();
                };
                channels.Add(channel);
            }

            await allRefused.Task.WaitAsync(token);
            Assert.Equal(ChannelCap, channels.Count(c => c.State != DataChannelState.Closed));
            Assert.Equal(PeerSessionState.Connected, viewer.Session!.State);
            Assert.Null(viewer.Failure);
            return $"{Channels - ChannelCap} refused (stream reset), {ChannelCap} kept, session connected";
        });

    private static int ThreadCount()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }
}
