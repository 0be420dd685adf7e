using EmsSharp.Media.Hub;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// The registry of shared fMP4 sources, one per live stream name, created with the first viewer and
/// forgotten when they stop. Used by WS-FMP4 and the WebRTC data channel delivery alike.
/// </summary>
internal sealed class Fmp4SourceManager(
    StreamHub hub, IOptions<Fmp4SourceOptions> options, DeliveryStats stats, ILogger<Fmp4StreamSource> logger)
    : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Fmp4StreamSource> _sources = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Server-added latency per transport (the fmp4 viewers record theirs).</summary>
    public DeliveryStats Stats => stats;

    /// <summary>Sources running now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sources.Count;
            }
        }
    }

    /// <summary>
    /// Subscribes a viewer to the stream <paramref name="streamName"/>, waiting up to <paramref name="timeout"/>
    /// for it to be published. Null when it did not appear in time (or the server is stopping); throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<Fmp4Subscription?> SubscribeAsync(
        string streamName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stream = await hub.WaitForStreamAsync(streamName, timeout, cancellationToken).ConfigureAwait(false);
        return stream is null ? null : TrySubscribe(stream);
    }

    /// <summary>
    /// Subscribes a viewer to <paramref name="stream"/> through its shared source, creating (and starting) the
    /// source if none runs for it. Null when the server is stopping.
    /// </summary>
    public Fmp4Subscription? TrySubscribe(LiveStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            if (_sources.TryGetValue(stream.Name, out var source) && ReferenceEquals(source.Stream, stream)
                && source.TrySubscribe() is { } subscription)
            {
                return subscription;
            }

            // None, one of an earlier publisher of this name, or one that just stopped: start a new one.
            source = new Fmp4StreamSource(stream, options.Value, logger, Forget);
            _sources[stream.Name] = source;
            return source.TrySubscribe();
        }
    }

    /// <summary>The running source of <paramref name="streamName"/>, if any.</summary>
    public Fmp4StreamSource? Find(string streamName)
    {
        lock (_gate)
        {
            return _sources.GetValueOrDefault(streamName);
        }
    }

    /// <summary>Stops every source; their viewers see the end.</summary>
    public void Dispose()
    {
        Fmp4StreamSource[] sources;
        lock (_gate)
        {
            _disposed = true;
            sources = [.. _sources.Values];
            _sources.Clear();
        }

        foreach (var source in sources)
        {
            source.Stop();
        }
    }

    private void Forget(Fmp4StreamSource source)
    {
        lock (_gate)
        {
            if (_sources.TryGetValue(source.StreamName, out var current) && ReferenceEquals(current, source))
            {
                _sources.Remove(source.StreamName);
            }
        }
    }
}
