using System.Diagnostics;
using System.Text.Json;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Rendezvous.Tests;

/// <summary><c>ems-load viewers</c>: options, receive accounting, IDR detection and the result's JSON shape.</summary>
public class ViewerLoadToolTests
{
    private static readonly string[] ResultNames =
    [
        "label", "server", "transport", "relay", "viewers", "connected", "failed", "failures", "durationSeconds", "joinMs",
        "firstKeyframeMs", "packets", "videoPackets", "audioPackets", "bytes", "lost", "lossPercent", "duplicates", "tooLate", "repeatedNacks", "authFailures", "nacksSent",
        "kbpsPerViewer", "serverCpuSecondsPerViewerMinute", "ersCpuSecondsPerViewerMinute", "transitMs", "transitSamples", "serverRssBytesBaseline", "serverRssBytesPerViewer", "serverThreadsBaseline", "serverThreadsSteady",
        "loadToolCpuPercent", "toolCpuSecondsPerViewerMinute", "toolSocketDrops", "udpRcvbufErrors", "receiveThreads", "datagramsPerReceiveCall", "udpGro",
        "srtpCheckEvery", "srtpCheckedPackets", "sampled", "serverLatency", "timeline",
    ];

    [Fact]
    public void Options_AllGiven_AreParsed()
    {
        string args = $"--ers 127.0.0.1:4545 --room demo --stream test --transport fmp4 --viewers 200 --ramp 25 --duration 60"
            + $" --server-pid {Environment.ProcessId} --api http://127.0.0.1:7777 --label run1 --out r.json --chart r.html";

        Assert.True(ViewerOptions.TryParse(args.Split(' '), out ViewerOptions? options, out string? error), error);

        Assert.Equal(new Uri("http://127.0.0.1:4545/"), options!.Ers);
        Assert.Equal(("demo", "test", ViewerTransport.Fmp4, 200), (options.Room, options.Stream, options.Transport, options.Viewers));
        Assert.Equal(TimeSpan.FromSeconds(8), options.RampTime);
        Assert.Equal(TimeSpan.FromSeconds(8 + 60 + 60), options.Deadline);
        Assert.Equal(Environment.ProcessId, options.ServerPid);
        Assert.Equal(new Uri("http://127.0.0.1:7777/"), options.Api);
        Assert.Equal(("run1", "r.json", "r.html"), (options.Label, options.OutPath, options.ChartPath));
    }

    [Fact]
    public void Options_Relay_AsTheCapacityScriptGivesThem()
    {
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = ["--ers", "127.0.0.1:4545", "--room", "capacity", "--stream", "cap", "--relay", "--viewers", "100",
            "--server-pid", pid, "--ers-pid", pid];

        Assert.True(ViewerOptions.TryParse(args, out ViewerOptions? options, out string? error), error);

        Assert.True(options!.Relay);
        Assert.Equal((100, Environment.ProcessId, Environment.ProcessId), (options.Viewers, options.ServerPid, options.ErsPid));
    }

    [Fact]
    public void Options_Janus_AsTheCapacityScriptGivesThem()
    {
        string args = $"--janus ws://127.0.0.1:8188 --mountpoint 1 --viewers 100 --ramp 50 --duration 30 --server-pid {Environment.ProcessId}"
            + " --label janus-100 --out j.json --chart j.html";

        Assert.True(ViewerOptions.TryParse(args.Split(' '), out ViewerOptions? options, out string? error), error);

        Assert.Equal((new Uri("ws://127.0.0.1:8188"), 1L, "janus", ViewerTransport.Srtp), (options!.Janus, options.Mountpoint, options.ServerName, options.Transport));
        Assert.Null(options.Ers);
    }

    [Theory]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", true)]
    [InlineData("candidate:1 1 udp 2130706431 203.0.113.7 5000 typ host", false)]
    [InlineData("candidate:1 1 udp 2130706431 abcd.local 5000 typ host", false)]
    [InlineData("not a candidate", false)]
    public void HostCandidateFilter_KeepsThisMachineOnly(string candidate, bool kept)
    {
        Assert.Equal(kept, HostCandidateFilter.IsThisHost(candidate));
        string sdp = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=" + candidate + "\r\na=mid:0\r\n";
        Assert.Equal(kept || !candidate.StartsWith("candidate:", StringComparison.Ordinal), HostCandidateFilter.FilterOffer(sdp).Contains(candidate, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_Defaults()
    {
        Assert.True(ViewerOptions.TryParse(["--ers", "localhost:1", "--room", "r", "--stream", "s"], out ViewerOptions? options, out _));
        Assert.Equal((ViewerTransport.Srtp, 10, 50.0, TimeSpan.FromSeconds(30)), (options!.Transport, options.Viewers, options.Ramp, options.Duration));
        Assert.Null(options.ServerPid);
        Assert.Null(options.Api);
        Assert.False(options.Relay);
        Assert.Null(options.ErsPid);
        Assert.Equal((1, 16, 4096, true), (options.ReceiveThreads, options.SrtpCheckEvery, options.ReceiveBufferKiB, options.UdpGro));
    }

    [Fact]
    public void Options_ReceiveSide_AreParsed()
    {
        string[] args = ["--ers", "127.0.0.1:4545", "--room", "r", "--stream", "s", "--receive-threads", "0", "--srtp-check-every", "1",
            "--receive-buffer", "0", "--udp-gro", "off"];

        Assert.True(ViewerOptions.TryParse(args, out ViewerOptions? options, out string? error), error);

        Assert.Equal((0, 1, 0, false), (options!.ReceiveThreads, options.SrtpCheckEvery, options.ReceiveBufferKiB, options.UdpGro));
    }

    [Theory]
    [InlineData("--room r --stream s", "Give --ers with --room and --stream")]
    [InlineData("--ers 127.0.0.1:4545 --stream s", "--ers needs --room and --stream")]
    [InlineData("--janus ws://127.0.0.1:8188", "--janus needs --mountpoint")]
    [InlineData("--janus ws://127.0.0.1:8188 --mountpoint 1 --ers 127.0.0.1:4545", "not both")]
    [InlineData("--janus ws://127.0.0.1:8188 --mountpoint 1 --transport fmp4", "srtp only")]
    [InlineData("--janus ws://127.0.0.1:8188 --mountpoint 1 --relay", "--relay and --ers-pid need --ers")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --ers-pid 0", "no such process")]
    [InlineData("--janus ws://10.0.0.1:8188 --mountpoint 1", "loopback")]
    [InlineData("--janus http://127.0.0.1:8188 --mountpoint 1", "loopback")]
    [InlineData("--janus ws://127.0.0.1:8188 --mountpoint 0", "positive")]
    [InlineData("--ers 10.0.0.1:4545 --room r --stream s", "loopback")]
    [InlineData("--ers example.com:4545 --room r --stream s", "loopback")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --viewers 2001", "1..2000")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --viewers 0", "1..2000")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --duration 601", "1..600")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --duration x", "1..600")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --ramp 0", "per second")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --transport webrtc", "srtp or fmp4")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --api http://10.1.1.1:7777", "loopback")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --api https://127.0.0.1:7777", "loopback")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --server-pid 0", "no such process")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --receive-threads 17", "0..16")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --srtp-check-every 0", "1..1024")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --srtp-check-every 1025", "1..1024")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --receive-buffer -1", "0..65536")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --udp-gro yes", "use on or off")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream s --bogus 1", "Unknown option --bogus")]
    [InlineData("--ers 127.0.0.1:4545 --room r --stream", "--stream needs a value")]
    public void Options_BadValues_AreRefusedWithAClearError(string args, string expected)
    {
        Assert.False(ViewerOptions.TryParse(args.Split(' '), out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    /// <summary>Arrival order → (received, lost, duplicates or too late, expected).</summary>
    [Theory]
    [InlineData(new int[] { 0, 1, 2, 3, 4 }, 5, 0, 0, 5)]
    [InlineData(new int[] { 0, 1, 3, 4 }, 4, 1, 0, 5)]
    [InlineData(new int[] { 0, 1, 3, 2, 4 }, 5, 0, 0, 5)] // reordered or retransmitted: not lost
    [InlineData(new int[] { 0, 1, 1, 2 }, 4, 0, 1, 3)]
    [InlineData(new int[] { 65534, 65535, 0, 1 }, 4, 0, 0, 4)] // wrap (RFC 3550 §A.1)
    [InlineData(new int[] { 65535, 1, 0 }, 3, 0, 0, 3)] // reorder across the wrap
    [InlineData(new int[] { 65533, 2 }, 2, 4, 0, 6)] // gap across the wrap
    [InlineData(new int[] { 10, 9, 11 }, 3, 0, 1, 2)] // older than the first: too late, not a gap
    [InlineData(new int[] { 0, 1, 10000, 10001 }, 4, 0, 0, 4)] // a jump past MAX_DROPOUT is a restart, not a gap
    public void Tracker_CountsReceivedLostDuplicates(int[] arrivals, long received, long lost, long duplicates, long expected)
    {
        var tracker = new RtpSequenceTracker(1);
        foreach (int seq in arrivals)
        {
            tracker.Add((ushort)seq);
        }

        Assert.Equal((received, lost, duplicates, expected), (tracker.Received, tracker.Lost, tracker.Duplicates + tracker.TooLate, tracker.Expected));
    }

    [Fact]
    public void Tracker_TellsASecondCopyFromAPacketBehindTheWindow()
    {
        var tracker = new RtpSequenceTracker(1);
        tracker.Add(100);
        tracker.Add(100);
        tracker.Add(99); // before the first
        tracker.Add((ushort)(101 + RtpSequenceTracker.WindowSize));
        tracker.Add(101); // behind the window now
        Assert.Equal((1L, 2L), (tracker.Duplicates, tracker.TooLate));
    }

    [Fact]
    public void Tracker_ExtendedHighest_CountsCycles()
    {
        var tracker = new RtpSequenceTracker(1);
        foreach (int seq in new[] { 65535, 0, 1 })
        {
            tracker.Add((ushort)seq);
        }

        Assert.Equal(65537u, tracker.ExtendedHighest);
    }

    [Fact]
    public void Tracker_Nacks_AtOnce_ThenEvery100ms_AtMostThreeTimes()
    {
        var tracker = new RtpSequenceTracker(1);
        Span<ushort> nacks = stackalloc ushort[16];
        TimeSpan t = TimeSpan.FromSeconds(10);
        tracker.Add(65534);
        tracker.Add(1); // 65535 and 0 missing

        Assert.Equal([65535, 0], nacks[..tracker.CollectNacks(t, nacks)].ToArray());
        Assert.Equal(0, tracker.CollectNacks(t + TimeSpan.FromMilliseconds(50), nacks));
        tracker.Add(0); // retransmitted
        Assert.Equal([65535], nacks[..tracker.CollectNacks(t + TimeSpan.FromMilliseconds(100), nacks)].ToArray());
        Assert.Equal(1, tracker.CollectNacks(t + TimeSpan.FromMilliseconds(200), nacks));
        Assert.Equal(0, tracker.CollectNacks(t + TimeSpan.FromMilliseconds(300), nacks));
        Assert.Equal(0, tracker.CollectNacks(t + TimeSpan.FromSeconds(5), nacks));
        Assert.Equal(1, tracker.Lost);
        Assert.Equal(2, tracker.RepeatedNacks); // 65535 asked three times
    }

    [Fact]
    public void Tracker_NewGap_IsNackedAtOnce_WithoutWaitingTheRetryInterval()
    {
        var tracker = new RtpSequenceTracker(1);
        Span<ushort> nacks = stackalloc ushort[16];
        tracker.Add(0);
        tracker.Add(2);
        Assert.Equal(1, tracker.CollectNacks(TimeSpan.FromSeconds(1), nacks));
        tracker.Add(5);
        // Only the new gap: 1 was asked for a moment ago and may be on its way.
        Assert.Equal([3, 4], nacks[..tracker.CollectNacks(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(1), nacks)].ToArray());
        tracker.Add(7);
        Assert.Equal([6], nacks[..tracker.CollectNacks(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(2), nacks)].ToArray());
        // At the retry interval every one still missing is asked for again.
        Assert.Equal([1, 3, 4, 6], nacks[..tracker.CollectNacks(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(100), nacks)].ToArray());
    }

    [Fact]
    public void Tracker_InOrder_NeverNacks()
    {
        var tracker = new RtpSequenceTracker(1);
        Span<ushort> nacks = stackalloc ushort[16];
        for (int i = 0; i < 5000; i++)
        {
            tracker.Add((ushort)i);
            Assert.Equal(0, tracker.CollectNacks(TimeSpan.FromMilliseconds(i), nacks));
        }
    }

    /// <summary>RTP payloads (hex) of RFC 6184 packet types.</summary>
    [Theory]
    [InlineData("6588", true)] // single NAL unit, IDR (type 5)
    [InlineData("4188", false)] // single NAL unit, non-IDR slice
    [InlineData("6742", false)] // single SPS
    [InlineData("78" + "0002" + "6742" + "0002" + "68ce" + "0002" + "6588", true)] // STAP-A: SPS, PPS, IDR
    [InlineData("78" + "0002" + "6742" + "0002" + "68ce", false)] // STAP-A: SPS, PPS only
    [InlineData("78" + "0009" + "6742", false)] // STAP-A with a size past the end
    [InlineData("78" + "0000", false)] // STAP-A with a zero size
    [InlineData("7c85aa", true)] // FU-A start of an IDR
    [InlineData("7c05aa", false)] // FU-A middle of an IDR
    [InlineData("7c45aa", false)] // FU-A end of an IDR
    [InlineData("7c81aa", false)] // FU-A start of a non-IDR slice
    [InlineData("7c", false)] // FU-A without its header
    [InlineData("", false)]
    public void KeyframeDetector_FindsIdrStarts(string hex, bool idr)
    {
        Assert.Equal(idr, H264KeyframeDetector.StartsIdr(Convert.FromHexString(hex)));
    }

    [Fact]
    public void TransitHistogram_MeasuresFromTheAbsSendTimeOnTheMachinesClock()
    {
        var histogram = new TransitHistogram();
        long[] start = histogram.Snapshot();
        byte[] stamp = new byte[3];
        TimeSpan now = Stopwatch.GetElapsedTime(0);
        foreach (TimeSpan age in new[] { TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(40), -TimeSpan.FromSeconds(1) })
        {
            uint value = RtpHeaderExtensionWriter.ToAbsSendTime(now - age);
            (stamp[0], stamp[1], stamp[2]) = ((byte)(value >> 16), (byte)(value >> 8), (byte)value);
            histogram.Record(stamp);
        }

        // Plus however long this test took to record them (a loaded machine), and a bucket's width.
        double slack = (Stopwatch.GetElapsedTime(0) - now).TotalMilliseconds + 0.01;
        ViewerPercentiles? transit = TransitHistogram.Between(start, histogram.Snapshot(), out long samples);

        Assert.Equal(3, samples); // the one "sent" a second from now is not on this clock: left out
        Assert.InRange(transit!.P50, 10 - 0.01, 10 + slack);
        Assert.InRange(transit.Max, 40 - 0.01, 40 + slack);
        Assert.Null(TransitHistogram.Between(start, start, out _));
    }

    [Fact]
    public void Result_Json_HasTheContractNames()
    {
        var result = new ViewerResult
        {
            Label = "l",
            Server = "ems",
            Transport = "srtp",
            Viewers = 2,
            Connected = 2,
            Failed = 0,
            Failures = [],
            DurationSeconds = 30,
            JoinMs = ViewerPercentiles.From([30, 10, 20]),
            Packets = 1,
            VideoPackets = 1,
            AudioPackets = 0,
            Bytes = 2,
            Lost = 0,
            LossPercent = 0,
            Duplicates = 0,
            TooLate = 0,
            RepeatedNacks = 0,
            AuthFailures = 0,
            NacksSent = 0,
            KbpsPerViewer = 1000,
            LoadToolCpuPercent = 12.5,
            Timeline = [new ViewerTimelinePoint(1, 2, 2000, null)],
        };

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(result, ViewerResult.JsonOptions));
        JsonElement root = json.RootElement;

        Assert.Equal(ResultNames, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("serverLatency").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("firstKeyframeMs").ValueKind);
        Assert.Equal("""{"p50":20,"p90":30,"p99":30,"max":30}""", root.GetProperty("joinMs").GetRawText().Replace(" ", "", StringComparison.Ordinal)
            .Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal(["second", "connected", "kbps", "serverCpuPercent"], root.GetProperty("timeline")[0].EnumerateObject().Select(p => p.Name).ToArray());

        string html = ViewerChart.Render(result, [10, 20, 30]);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Tracker_And_KeyframeDetector_DoNotAllocatePerPacket()
    {
        var tracker = new RtpSequenceTracker(1);
        byte[] fuA = Convert.FromHexString("7c85aa");
        ushort[] nacks = new ushort[64];
        long least = long.MaxValue;
        // The least of five rounds: a tier-up compiling mid-loop must not count as the code's allocation.
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                int seq = (round * 10_000) + i;
                tracker.Add((ushort)(seq % 7 == 3 ? seq + 1 : seq)); // a gap now and then
                tracker.CollectNacks(TimeSpan.FromMilliseconds(seq), nacks);
                H264KeyframeDetector.StartsIdr(fuA);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }
}
