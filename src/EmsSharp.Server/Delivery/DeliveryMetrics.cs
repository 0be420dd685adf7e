using System.Diagnostics.Metrics;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// Per-stream delivery figures, for <c>getDeliveryStats</c> and as System.Diagnostics.Metrics instruments of meter
/// <see cref="MeterName"/> tagged with the stream and the transport (<c>srtp</c>: the RTP source; <c>fmp4</c>: the
/// fMP4 source that WebRTC data channels and WS-FMP4 share).
/// </summary>
internal sealed class DeliveryMetrics : IDisposable
{
    public const string MeterName = "EmsSharp.Server.Delivery";

    private readonly RtpSourceManager _rtp;
    private readonly Fmp4SourceManager _fmp4;
    private readonly Meter _meter = new(MeterName);

    public DeliveryMetrics(RtpSourceManager rtp, Fmp4SourceManager fmp4)
    {
        _rtp = rtp;
        _fmp4 = fmp4;
        _meter.CreateObservableGauge("ems.delivery.stream.viewers", () => Measure(static s => s.Viewers),
            description: "Viewers of each stream, per transport");
        _meter.CreateObservableCounter("ems.delivery.stream.units", () => Measure(static s => s.Units),
            description: "Units (RTP access units, fMP4 fragments) published per stream and transport");
        _meter.CreateObservableCounter("ems.delivery.stream.viewer_drops", () => Measure(static s => s.ViewerDrops),
            description: "Units viewers skipped because they lagged or their transport backed up");
        _meter.CreateObservableCounter("ems.delivery.stream.source_drops", () => Measure(static s => s.SourceDrops),
            description: "Frames a stream's delivery source dropped because it fell behind the publisher");
    }

    /// <summary>Every running delivery source with its transport (<c>srtp</c> or <c>fmp4</c>).</summary>
    public List<(string Transport, SharedSourceStats Stats)> Streams()
    {
        var streams = new List<(string, SharedSourceStats)>();
        foreach (var s in _rtp.Snapshot())
            streams.Add(("srtp", s));
        foreach (var s in _fmp4.Snapshot())
            streams.Add(("fmp4", s));
        return streams;
    }

    public void Dispose() => _meter.Dispose();

    private List<Measurement<long>> Measure(Func<SharedSourceStats, long> figure)
    {
        var streams = Streams();
        var measurements = new List<Measurement<long>>(streams.Count);
        foreach (var (transport, stats) in streams)
        {
            measurements.Add(new Measurement<long>(figure(stats),
                new KeyValuePair<string, object?>("stream", stats.Stream), new KeyValuePair<string, object?>("transport", transport)));
        }

        return measurements;
    }
}
