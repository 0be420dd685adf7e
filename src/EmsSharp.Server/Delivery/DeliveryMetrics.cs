using System.Diagnostics.Metrics;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// Per-stream delivery figures, for <c>getDeliveryStats</c> and as System.Diagnostics.Metrics instruments of meter
/// <see cref="MeterName"/> tagged with the stream and the transport (<c>srtp</c>: the RTP source; <c>fmp4</c>: the
/// fMP4 source that WebRTC data channels and WS-FMP4 share); the bytes each stream received and sent; and the WebRTC
/// viewers' sessions: how they are reached, and what their RTCP says (srtp viewers). Every instrument is read from the
/// streams' and viewers' own counters at the scrape, so measuring adds nothing to the media path; none is tagged per
/// viewer (a viewer's figures are in <c>listWebrtcPeers</c>).
/// </summary>
internal sealed class DeliveryMetrics : IDisposable
{
    public const string MeterName = "EmsSharp.Server.Delivery";

    private readonly RtpSourceManager _rtp;
    private readonly Fmp4SourceManager _fmp4;
    private readonly StreamHub _hub;
    private readonly OutboundStreamRegistry _outputs;
    private readonly Meter _meter = new(MeterName);

    public DeliveryMetrics(RtpSourceManager rtp, Fmp4SourceManager fmp4, StreamHub hub, OutboundStreamRegistry outputs)
    {
        _rtp = rtp;
        _fmp4 = fmp4;
        _hub = hub;
        _outputs = outputs;
        _meter.CreateObservableGauge("ems.delivery.stream.viewers", () => Measure(static s => s.Viewers),
            description: "Viewers of each stream, per transport");
        _meter.CreateObservableCounter("ems.delivery.stream.units", () => Measure(static s => s.Units),
            description: "Units (RTP access units, fMP4 fragments) published per stream and transport");
        _meter.CreateObservableCounter("ems.delivery.stream.viewer_drops", () => Measure(static s => s.ViewerDrops),
            description: "Units viewers skipped because they lagged or their transport backed up");
        _meter.CreateObservableCounter("ems.delivery.stream.source_drops", () => Measure(static s => s.SourceDrops),
            description: "Frames a stream's delivery source dropped because it fell behind the publisher");
        _meter.CreateObservableCounter("ems.stream.received", Received, unit: "By",
            description: "Payload bytes each inbound stream received from its publisher");
        _meter.CreateObservableCounter("ems.delivery.stream.sent", () => Totals(static t => t.Bytes, srtpOnly: false), unit: "By",
            description: "Bytes sent to the viewers of each stream, per transport, those that left included");
        _meter.CreateObservableGauge("ems.webrtc.sessions", Sessions,
            description: "WebRTC viewers sending their stream, by transport and selected candidate pair");
        _meter.CreateObservableCounter("ems.webrtc.session.nacks", () => Totals(static t => t.Nacks, srtpOnly: true),
            description: "Generic NACK messages the srtp viewers of each stream sent");
        _meter.CreateObservableCounter("ems.webrtc.session.retransmissions", () => Totals(static t => t.Retransmissions, srtpOnly: true),
            description: "Packets retransmitted to the srtp viewers of each stream, answering their NACKs");
        _meter.CreateObservableCounter("ems.webrtc.session.plis", () => Totals(static t => t.Plis, srtpOnly: true),
            description: "Picture loss indications the srtp viewers of each stream sent");
        _meter.CreateObservableCounter("ems.webrtc.session.firs", () => Totals(static t => t.Firs, srtpOnly: true),
            description: "Full intra requests the srtp viewers of each stream sent");
        _meter.CreateObservableCounter("ems.webrtc.session.reception_reports", () => Totals(static t => t.ReceptionReports, srtpOnly: true),
            description: "RTCP reception reports on video the srtp viewers of each stream sent");
        _meter.CreateObservableCounter("ems.webrtc.session.packets_lost", () => Totals(static t => t.PacketsLost, srtpOnly: true),
            description: "Packets the srtp viewers of each stream reported lost (their cumulative loss, summed)");
        _meter.CreateObservableGauge("ems.webrtc.session.rtt.max", () => Spread(static c => c.RoundTripSeconds, max: true), unit: "s",
            description: "The longest latest round-trip time among the srtp viewers of each stream");
        _meter.CreateObservableGauge("ems.webrtc.session.rtt.mean", () => Spread(static c => c.RoundTripSeconds, max: false), unit: "s",
            description: "The mean latest round-trip time of the srtp viewers of each stream");
        _meter.CreateObservableGauge("ems.webrtc.session.fraction_lost.max", () => Spread(static c => Reported(c, c.FractionLost), max: true), unit: "1",
            description: "The highest fraction lost in their latest reports among the srtp viewers of each stream");
        _meter.CreateObservableGauge("ems.webrtc.session.fraction_lost.mean", () => Spread(static c => Reported(c, c.FractionLost), max: false), unit: "1",
            description: "The mean fraction lost in the latest reports of the srtp viewers of each stream");
        _meter.CreateObservableGauge("ems.webrtc.session.jitter.max", () => Spread(static c => Reported(c, c.JitterSeconds), max: true), unit: "s",
            description: "The highest interarrival jitter in their latest reports among the srtp viewers of each stream");
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

    private static KeyValuePair<string, object?> StreamTag(string stream) => new("stream", stream);

    private static string TransportOf(string typeTag) => typeTag switch
    {
        OutboundStream.RtpTag => "srtp",
        OutboundStream.RtmpTag => "rtmp",
        _ => "fmp4",
    };

    // A figure of the viewer's latest reception report, once it sent one.
    private static double? Reported(ViewerTrafficCounters counters, double figure) => counters.ReceptionReports > 0 ? figure : null;

    private List<Measurement<long>> Received()
    {
        var streams = _hub.GetStreams();
        var measurements = new List<Measurement<long>>(streams.Count);
        foreach (var stream in streams)
            measurements.Add(new Measurement<long>(stream.GetStats().Bytes, StreamTag(stream.Name)));
        return measurements;
    }

    // Per stream (and transport, unless srtp only), the sums over its viewers, live and gone.
    private List<Measurement<long>> Totals(Func<ViewerTotals, long> figure, bool srtpOnly)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var ((stream, typeTag), totals) in _outputs.Totals())
        {
            if (srtpOnly && typeTag != OutboundStream.RtpTag)
                continue;
            measurements.Add(srtpOnly
                ? new Measurement<long>(figure(totals), StreamTag(stream))
                : new Measurement<long>(figure(totals), StreamTag(stream), new KeyValuePair<string, object?>("transport", TransportOf(typeTag))));
        }

        return measurements;
    }

    // The live WebRTC viewers counted by transport, candidate type and our path ("unknown" before ICE connected).
    private List<Measurement<long>> Sessions()
    {
        var counts = new Dictionary<(string Transport, string Candidate, string Path), long>();
        foreach (var output in _outputs.GetStreams())
        {
            if (output.Route is not { } route)
                continue;
            var key = (TransportOf(output.TypeTag), route.CandidateType ?? "unknown", route.Path ?? "unknown");
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        var measurements = new List<Measurement<long>>(counts.Count);
        foreach (var ((transport, candidate, path), count) in counts)
        {
            measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("transport", transport),
                new KeyValuePair<string, object?>("candidate_type", candidate), new KeyValuePair<string, object?>("path", path)));
        }

        return measurements;
    }

    // Per stream, the largest or the mean of a figure over its live srtp viewers that have it.
    private List<Measurement<double>> Spread(Func<ViewerTrafficCounters, double?> figure, bool max)
    {
        var spread = new Dictionary<string, (double Sum, double Max, int Count)>(StringComparer.Ordinal);
        foreach (var output in _outputs.GetStreams())
        {
            if (output.TypeTag != OutboundStream.RtpTag || figure(output.Counters) is not { } value)
                continue;
            var (sum, largest, count) = spread.GetValueOrDefault(output.Source.Name);
            spread[output.Source.Name] = (sum + value, count == 0 ? value : Math.Max(largest, value), count + 1);
        }

        var measurements = new List<Measurement<double>>(spread.Count);
        foreach (var (stream, (sum, largest, count)) in spread)
            measurements.Add(new Measurement<double>(max ? largest : sum / count, StreamTag(stream)));
        return measurements;
    }

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
