using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// The registry of shared RTP sources (the srtp transport), one per live stream name, created with the first viewer
/// and forgotten when they stop. Also carries the server's <see cref="DeliveryStats"/> to the viewers.
/// </summary>
internal sealed class RtpSourceManager : IDisposable
{
    private readonly SharedSourceRegistry<RtpStreamSource, RtpSubscription> _sources;

    public RtpSourceManager(DeliveryStats stats, ILogger<RtpStreamSource> logger)
    {
        Stats = stats;
        _sources = new((stream, stopped) => new RtpStreamSource(stream, Options, logger, stopped));
    }

    /// <summary>Sources running now.</summary>
    public int Count => _sources.Count;

    /// <summary>Server-added latency per transport.</summary>
    public DeliveryStats Stats { get; }

    /// <summary>Source and viewer queue bounds.</summary>
    public RtpSourceOptions Options { get; init; } = new();

    /// <inheritdoc cref="SharedSourceRegistry{TSource, TSubscription}.TrySubscribe"/>
    public RtpSubscription? TrySubscribe(LiveStream stream, IStreamRingListener? listener = null) => _sources.TrySubscribe(stream, listener);

    /// <summary>The running source of <paramref name="streamName"/>, if any.</summary>
    public RtpStreamSource? Find(string streamName) => _sources.Find(streamName);

    /// <inheritdoc cref="SharedSourceRegistry{TSource, TSubscription}.Snapshot"/>
    public List<SharedSourceStats> Snapshot() => _sources.Snapshot();

    /// <summary>Stops every source; their viewers see the end.</summary>
    public void Dispose() => _sources.Dispose();
}
