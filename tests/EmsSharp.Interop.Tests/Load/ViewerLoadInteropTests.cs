using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Load.Viewers;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Load;

/// <summary>
/// <c>ems-load viewers</c> in process against the real system (an in-process ers and ems playing the sample file):
/// three simulated viewers join through ers, answer, connect (ICE + DTLS) and receive the stream for about five
/// seconds, in each transport.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class ViewerLoadInteropTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("srtp", 0)]
    [InlineData("fmp4", 0)]
    [InlineData("srtp", 25)] // every 25th H.264 datagram lost on the way: NACK brings each one back
    public async Task Three_viewers_connect_and_receive_the_stream_whole(string transport, int dropEveryNth)
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync();
        await rig.StartWebrtcAsync();
        var options = new ViewerOptions
        {
            Ers = new Uri($"http://127.0.0.1:{rig.Ers.Port}/"),
            Room = PlaybackRig.Room,
            Stream = "test",
            Transport = transport == "fmp4" ? ViewerTransport.Fmp4 : ViewerTransport.Srtp,
            Viewers = 3,
            Ramp = 10,
            Duration = TimeSpan.FromSeconds(5),
            ServerPid = Environment.ProcessId,
            Api = rig.Api.BaseAddress,
            DropEveryNthVideoPacket = dropEveryNth,
        };
        var (result, load) = await RunAsync(options);

        Assert.Empty(result.Failures);
        Assert.Equal(3, result.Connected);
        Assert.Equal(0, result.Failed);
        Assert.True(result.Packets > 30, "packets: " + result.Packets);
        Assert.True(result.KbpsPerViewer > 10, "kbit/s per viewer: " + result.KbpsPerViewer);
        if (transport == "srtp")
        {
            // The sample's AAC arrives as Opus (PROTOCOL.md §4.3), counted apart from the H.264 packets.
            Assert.True(result.VideoPackets > 0 && result.AudioPackets > 0, $"video {result.VideoPackets}, audio {result.AudioPackets}");
            Assert.Equal(result.Packets, result.VideoPackets + result.AudioPackets);
            Assert.NotNull(result.TransitMs); // abs-send-time on the machine's clock, read on arrival
        }

        Assert.Equal(0, result.AuthFailures);
        if (dropEveryNth > 0)
        {
            // Every drop is asked for and comes back, except one in the last few tens of ms before a viewer closes
            // (no time to). The SRTP replay window (SrtpReplayWindow.Size, 1,024 packets) holds a whole keyframe,
            // so a retransmission is never refused as too old. A viewer asks again after 100 ms while a packet is
            // missing; on a loaded machine the first retransmission can still be queued then, and the server
            // rightly answers both NACKs: a second copy arrives. So copies are allowed, but only one per repeated NACK
            // (a copy nobody asked for would be a server bug).
            Assert.True(result.Lost <= options.Viewers, $"lost {result.Lost}, too late {result.TooLate}");
            Assert.Equal(0, result.TooLate);
            Assert.True(result.Duplicates <= result.RepeatedNacks, $"{result.Duplicates} copies for {result.RepeatedNacks} repeated NACKs");
            Assert.True(result.NacksSent >= result.VideoPackets / dropEveryNth / 2, $"NACKed {result.NacksSent} of {result.VideoPackets} video packets");
        }
        else
        {
            Assert.Equal(0, result.Lost);
            Assert.Equal(0, result.NacksSent);
        }
        Assert.Equal(3, load.JoinTimes.Count);
        Assert.NotNull(result.FirstKeyframeMs);
        Assert.NotNull(result.ServerCpuSecondsPerViewerMinute);
        Assert.True(result.Timeline.Count >= 5, "timeline: " + result.Timeline.Count);
        Assert.Contains("<svg", ViewerChart.Render(result, load.JoinTimes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_only_viewers_all_play_through_their_own_TURN_relays_over_TCP_and_lose_nothing()
    {
        // The ers's relays must reach the ems on loopback (relays never reach loopback by default).
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync(o => o.Turn.AllowedPeerRanges.Add("127.0.0.0/8"));
        await rig.StartWebrtcAsync();
        var options = new ViewerOptions
        {
            Ers = new Uri($"http://127.0.0.1:{rig.Ers.Port}/"),
            Room = PlaybackRig.Room,
            Stream = "test",
            Viewers = 4,
            Ramp = 10,
            Duration = TimeSpan.FromSeconds(5),
            Relay = true,
            ErsPid = Environment.ProcessId,
        };
        var (result, _) = await RunAsync(options);

        Assert.Empty(result.Failures); // a viewer whose selected path is not turn/tcp is a failure
        Assert.True(result.Relay);
        Assert.Equal(4, result.Connected);
        Assert.Equal(0, result.Failed);
        Assert.True(result.VideoPackets > 100, "video packets: " + result.VideoPackets);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.AuthFailures);
        Assert.NotNull(result.ErsCpuSecondsPerViewerMinute);
        Assert.NotNull(result.TransitMs); // the ems's abs-send-time and this process share the machine's clock
        Assert.True(result.TransitMs!.P50 < 1000, "transit p50 ms: " + result.TransitMs.P50);
    }

    /// <summary>Runs <c>ems-load viewers</c> in process with <paramref name="options"/> and prints its log and result.</summary>
    private async Task<(ViewerResult Result, ViewerLoad Load)> RunAsync(ViewerOptions options)
    {
        using var signalling = new ErsViewerSignallingFactory(options);
        var load = new ViewerLoad(options, "ems", signalling.Create);
        using var log = new StringWriter();

        var result = await load.RunAsync(log, CancellationToken.None);

        output.WriteLine(log.ToString());
        output.WriteLine(JsonSerializer.Serialize(result, ViewerResult.JsonOptions));
        return (result, load);
    }
}
