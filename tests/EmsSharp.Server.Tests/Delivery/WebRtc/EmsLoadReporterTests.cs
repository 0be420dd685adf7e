using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.WebRtc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

/// <summary>The ems's <c>emsLoad</c> report (docs/OPERATIONS.md "Several ems in one room"), on fake time.</summary>
public sealed class EmsLoadReporterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
    private readonly StreamHub _hub;
    private readonly OutboundStreamRegistry _outputs;
    private readonly List<JsonElement> _reports = [];
    private TimeSpan _cpu = TimeSpan.FromSeconds(10);
    private ViewerCap? _viewers;
    private EmsLoadReporter? _reporter;

    public EmsLoadReporterTests()
    {
        _hub = new StreamHub(_time);
        _outputs = new OutboundStreamRegistry(_hub, new RecordingPublisher(), _time);
    }

    public void Dispose() => _reporter?.Dispose();

    [Fact]
    public void Viewers_are_counted_and_reaching_or_leaving_the_cap_is_reported_at_once()
    {
        var (viewers, reporter) = Start(maxViewers: 2);
        Assert.True(viewers.TryTake());
        Assert.Empty(_reports); // a viewer more is news for the next interval, not at once
        Assert.True(viewers.TryTake());
        var full = Assert.Single(_reports);
        Assert.Equal((2, 2, true), (full.GetProperty("viewers").GetInt32(), full.GetProperty("maxViewers").GetInt32(), full.GetProperty("full").GetBoolean()));

        Assert.False(viewers.TryTake()); // the cap holds: nothing taken
        Assert.Equal(2, viewers.Count);
        viewers.Release();
        Assert.Equal(2, _reports.Count);
        Assert.Equal((1, false), (_reports[1].GetProperty("viewers").GetInt32(), _reports[1].GetProperty("full").GetBoolean()));
        Assert.Equal(1, reporter.Current.GetProperty("viewers").GetInt32());
    }

    [Fact]
    public void Without_a_cap_it_is_never_full()
    {
        var (viewers, reporter) = Start(maxViewers: 0);
        for (var i = 0; i < 1000; i++)
            Assert.True(viewers.TryTake());
        var report = reporter.Current;
        Assert.Equal((1000, 0, false), (report.GetProperty("viewers").GetInt32(), report.GetProperty("maxViewers").GetInt32(), report.GetProperty("full").GetBoolean()));
        Assert.Empty(_reports);
    }

    [Fact]
    public void Streams_are_sorted_sent_at_once_when_they_change_and_capped_at_64_with_more()
    {
        var (_, reporter) = Start(maxViewers: 0);
        Assert.True(_hub.TryPublish("cam2", out _));
        Assert.True(_hub.TryPublish("cam1", out var cam1));
        Assert.Equal(["cam1", "cam2"], Streams(_reports[^1]));
        Assert.False(_reports[^1].TryGetProperty("more", out _));
        cam1.Dispose();
        Assert.Equal(["cam2"], Streams(_reports[^1]));
        Assert.Equal(3, _reports.Count);

        for (var i = 69; i >= 0; i--)
            Assert.True(_hub.TryPublish($"s{i:D2}", out _));
        var report = reporter.Current;
        Assert.Equal(["cam2", .. Enumerable.Range(0, 63).Select(i => $"s{i:D2}")], Streams(report)); // ordinal order
        Assert.True(report.GetProperty("more").GetBoolean());

        // A stream past the first 64 changes nothing the report says: nothing is sent for it.
        var sent = _reports.Count;
        Assert.True(_hub.TryPublish("zz", out _));
        Assert.Equal(sent, _reports.Count);
    }

    [Fact]
    public void Long_names_full_of_escaped_characters_are_cut_short_so_the_event_stays_within_the_erss_frame_limit()
    {
        var (_, reporter) = Start(maxViewers: 0);
        for (var i = 0; i < 64; i++)
            Assert.True(_hub.TryPublish($"s{i:D2}" + new string('+', 253), out _));
        var report = reporter.Current;
        var frame = EmsSharp.Protocols.SocketIo.SocketIoPayload.FormatEvent("emsLoad", report);
        Assert.InRange(frame.Length, 40 * 1024, 64 * 1024 - 100); // 64 such names would be 97 KB
        Assert.Equal(32, Streams(report).Length); // 1524 bytes each within 48 KB
        Assert.True(report.GetProperty("more").GetBoolean());
    }

    [Fact]
    public void Cpu_and_kbps_are_measured_over_each_two_second_interval_from_the_viewers_counters()
    {
        _ = Start(maxViewers: 0, processors: 4);
        Assert.True(_hub.TryPublish("cam", out var cam));
        _reports.Clear();
        var viewer = new ViewerTrafficCounters();
        var output = Open(cam, viewer, OperationType.WebRtc);
        var wsFmp4 = new ViewerTrafficCounters();
        Open(cam, wsFmp4, null); // not a WebRTC viewer: not counted

        viewer.AddPackets(400, 500_000);
        wsFmp4.AddPackets(400, 900_000);
        _cpu += TimeSpan.FromSeconds(3); // 3 s of CPU in 2 s on 4 processors
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Empty(_reports);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var report = Assert.Single(_reports);
        Assert.Equal(37.5, report.GetProperty("cpu").GetDouble());
        Assert.Equal(2000, report.GetProperty("kbps").GetInt64()); // 500 000 B * 8 / 1000 / 2 s

        // The viewer leaves after sending 250 000 B more: its bytes still count for the interval, nothing goes negative.
        viewer.AddPackets(200, 250_000);
        _outputs.Close(output);
        _cpu += TimeSpan.FromSeconds(0.01);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((0.1, 1000L), (_reports[^1].GetProperty("cpu").GetDouble(), _reports[^1].GetProperty("kbps").GetInt64()));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((0.0, 0L), (_reports[^1].GetProperty("cpu").GetDouble(), _reports[^1].GetProperty("kbps").GetInt64()));
        Assert.Equal(3, _reports.Count);
    }

    [Fact]
    public void The_report_has_the_contracts_members_and_nothing_else()
    {
        var (_, reporter) = Start(maxViewers: 500);
        var names = reporter.Current.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["viewers", "maxViewers", "cpu", "kbps", "streams", "full"], names);
    }

    private static string[] Streams(JsonElement report) =>
        [.. report.GetProperty("streams").EnumerateArray().Select(e => e.GetString()!)];

    private (ViewerCap Viewers, EmsLoadReporter Reporter) Start(int maxViewers, int processors = 2)
    {
        _viewers = new ViewerCap(Options.Create(new WebRtcOptions { MaxViewers = maxViewers }));
        _reporter = new EmsLoadReporter(_hub, _viewers, _outputs, _time, () => _cpu, processors);
        _reporter.Reported += _reports.Add;
        return (_viewers, _reporter);
    }

    private OutboundStream Open(LiveStream source, ViewerTrafficCounters counters, OperationType? type) =>
        _outputs.Open(new OutboundStreamSpec(source, OutboundStream.RtpTag, type, counters,
            () => (null, new IPEndPoint(IPAddress.Loopback, 1)), () => new JsonObject(), () => { }));
}
