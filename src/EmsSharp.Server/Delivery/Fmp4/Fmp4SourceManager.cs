using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// The registry of shared fMP4 sources, one per live stream name, created with the first viewer and
/// forgotten when they stop. Used by WS-FMP4 and the WebRTC data channel delivery alike.
/// </summary>
internal sealed class Fmp4SourceManager : IDisposable
{
    private readonly StreamHub _hub;
    private readonly SharedSourceRegistry<Fmp4StreamSource, Fmp4Subscription> _sources;

    public Fmp4SourceManager(StreamHub hub, IOptions<Fmp4SourceOptions> options, DeliveryStats stats, ILogger<Fmp4StreamSource> logger)
    {
        _hub = hub;
        Stats = stats;
        _sources = new((stream, stopped) => new Fmp4StreamSource(stream, options.Value, logger, stopped));
    }

    /// <summary>Server-added latency per transport (the fmp4 viewers record theirs).</summary>
    public DeliveryStats Stats { get; }

    /// <summary>Sources running now.</summary>
    public int Count => _sources.Count;

    /// <summary>
    /// Subscribes a viewer to the stream <paramref name="streamName"/>, waiting up to <paramref name="timeout"/>
    /// for it to be published. Null when it did not appear in time (or the server is stopping); throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires. A
    /// <paramref name="listener"/> (the viewer's session worker) is told of each fragment.
    /// </summary>
    public async Task<Fmp4Subscription?> SubscribeAsync(
        string streamName, TimeSpan timeout, CancellationToken cancellationToken = default, IStreamRingListener? listener = null)
    {
        var stream = await _hub.WaitForStreamAsync(streamName, timeout, cancellationToken).ConfigureAwait(false);
        return stream is null ? null : TrySubscribe(stream, listener);
    }

    /// <inheritdoc cref="SharedSourceRegistry{TSource, TSubscription}.TrySubscribe"/>
    public Fmp4Subscription? TrySubscribe(LiveStream stream, IStreamRingListener? listener = null) => _sources.TrySubscribe(stream, listener);

    /// <summary>The running source of <paramref name="streamName"/>, if any.</summary>
    public Fmp4StreamSource? Find(string streamName) => _sources.Find(streamName);

    /// <inheritdoc cref="SharedSourceRegistry{TSource, TSubscription}.Snapshot"/>
    public List<SharedSourceStats> Snapshot() => _sources.Snapshot();

    /// <summary>Stops every source; their viewers see the end.</summary>
    public void Dispose() => _sources.Dispose();
}
