using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery;

/// <summary>
/// The viewers' instruments of <see cref="DeliveryMetrics"/>: per stream, the counters sum the viewers that left too
/// (they never go back), the round-trip gauges spread over the live ones, and the sessions are counted by path.
/// </summary>
public sealed class DeliveryMetricsTests : IDisposable
{
    // The meter is process-wide: other tests' streams are measured too, so this one has a name of its own.
    private const string Stream = "delivery-metrics-cam";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
    private readonly StreamHub _hub = new();
    private readonly DeliveryStats _stats;
    private readonly RtpSourceManager _rtp;
    private readonly Fmp4SourceManager _fmp4;
    private readonly OutboundStreamRegistry _outputs;
    private readonly DeliveryMetrics _metrics;

    public DeliveryMetricsTests()
    {
        _stats = new DeliveryStats(_time);
        _rtp = new RtpSourceManager(_stats, NullLogger<RtpStreamSource>.Instance);
        _fmp4 = new Fmp4SourceManager(_hub, Options.Create(new Fmp4SourceOptions()), _stats, NullLogger<Fmp4StreamSource>.Instance);
        _outputs = new OutboundStreamRegistry(_hub, new RecordingPublisher(), _time);
        _metrics = new DeliveryMetrics(_rtp, _fmp4, _hub, _outputs);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _rtp.Dispose();
        _fmp4.Dispose();
    }

    [Fact]
    public void Counters_keep_departed_viewers_and_gauges_spread_over_the_live_ones()
    {
        Assert.True(_hub.TryPublish(Stream, out var stream));
        var near = Viewer(stream, TimeSpan.FromMilliseconds(100), "host", out var nearCounters);
        Viewer(stream, TimeSpan.FromMilliseconds(300), "relay", out var farCounters);
        nearCounters.AddPackets(10, 10_000);
        farCounters.AddPackets(5, 5_000);
        farCounters.AddRetransmission();

        var live = Measure();
        Assert.Equal(15_000, live[("ems.delivery.stream.sent", "srtp")]);
        Assert.Equal(2, live[("ems.webrtc.session.nacks", null)]);
        Assert.Equal(1, live[("ems.webrtc.session.retransmissions", null)]);
        Assert.Equal(2, live[("ems.webrtc.session.reception_reports", null)]);
        Assert.Equal(0.3, live[("ems.webrtc.session.rtt.max", null)], 6);
        Assert.Equal(0.2, live[("ems.webrtc.session.rtt.mean", null)], 6);
        Assert.Equal(0.25, live[("ems.webrtc.session.fraction_lost.max", null)]);
        Assert.Equal(0.01, live[("ems.webrtc.session.jitter.max", null)], 6);

        // The near viewer leaves: what it sent stays counted; the gauges are the far one's alone.
        _outputs.Close(near);
        var after = Measure();
        Assert.Equal(15_000, after[("ems.delivery.stream.sent", "srtp")]);
        Assert.Equal(2, after[("ems.webrtc.session.nacks", null)]);
        Assert.Equal(0.3, after[("ems.webrtc.session.rtt.mean", null)], 6);
        Assert.Equal(1, after[("ems.webrtc.sessions/relay/udp", "srtp")]);
        Assert.False(after.ContainsKey(("ems.webrtc.sessions/host/udp", "srtp")));
    }

    // An srtp viewer whose video track sent a sender report, and heard back a NACK and a report echoing it after
    // rtt (held 0 s by the viewer) with 64/256 lost and 900 units of jitter.
    private OutboundStream Viewer(LiveStream stream, TimeSpan rtt, string candidateType, out ViewerTrafficCounters counters)
    {
        var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(0x0007)];
        Assert.True(SrtpContextFactory.TryCreate(0x0007, material, true, out var local, out var remote));
        remote.Dispose();
        var video = new RtpTrackSender(new RtpTrackSenderOptions { Ssrc = 7, PayloadType = 96, ClockRate = 90_000, Cname = "c" }, local);
        var buffer = new byte[1500];
        var wall = _time.GetUtcNow();
        Assert.True(video.TryWriteSenderReport(TimeSpan.FromSeconds(1), wall, buffer, out _));
        var lsr = NtpTimestamp.ToCompact(NtpTimestamp.FromDateTimeOffset(wall));
        video.HandleRtcp(new RtcpCompoundPacket
        {
            Packets =
            [
                new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [new RtcpReportBlock(7, 64, 3, 100, 900, lsr, 0)] },
                RtcpGenericNack.FromSequenceNumbers(1, 7, [1, 2]),
            ],
        }, TimeSpan.FromSeconds(1) + rtt);
        counters = new ViewerTrafficCounters();
        counters.RecordFeedback(video);
        return _outputs.Open(new OutboundStreamSpec(stream, OutboundStream.RtpTag, OperationType.WebRtc, counters, () => (null, null),
            () => new JsonObject(), () => { }, () => new ViewerRoute(candidateType, "udp")));
    }

    // This stream's measurements by instrument and transport tag, and the sessions (no stream tag) by candidate type and
    // path too, all of this test's meter: the meter's name is process-wide, other tests' ems are measured as well.
    private static Dictionary<(string Instrument, string? Transport), double> Measure()
    {
        var all = new List<(Meter Meter, string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DeliveryMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => all.Add((instrument.Meter, instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => all.Add((instrument.Meter, instrument.Name, value, ToDictionary(tags))));
        listener.Start();
        listener.RecordObservableInstruments();

        var ours = all.First(m => (string?)m.Tags.GetValueOrDefault("stream") == Stream).Meter;
        var measured = new Dictionary<(string, string?), double>();
        foreach (var (_, instrument, value, tags) in all.Where(m => ReferenceEquals(m.Meter, ours)))
        {
            var name = instrument == "ems.webrtc.sessions" ? $"{instrument}/{tags["candidate_type"]}/{tags["path"]}" : instrument;
            measured[(name, (string?)tags.GetValueOrDefault("transport"))] = value;
        }

        return measured;
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var tag in tags)
            dictionary[tag.Key] = tag.Value;
        return dictionary;
    }
}
