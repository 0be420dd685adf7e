using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// The registry of shared RTP sources (the srtp transport), one per live stream name, created with the first viewer
/// and forgotten when they stop. Also carries the server's <see cref="DeliveryStats"/> to the viewers.
/// </summary>
internal sealed class RtpSourceManager(DeliveryStats stats, ILogger<RtpStreamSource> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RtpStreamSource> _sources = new(StringComparer.Ordinal);
    private bool _disposed;

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

    /// <summary>Server-added latency per transport.</summary>
    public DeliveryStats Stats => stats;

    /// <summary>Source and viewer queue bounds.</summary>
    public RtpSourceOptions Options { get; init; } = new();

    /// <summary>
    /// Subscribes a viewer to <paramref name="stream"/> through its shared source, creating (and starting) the
    /// source if none runs for it. Null when the server is stopping.
    /// </summary>
    public RtpSubscription? TrySubscribe(LiveStream stream)
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
            source = new RtpStreamSource(stream, Options, logger, Forget);
            _sources[stream.Name] = source;
            return source.TrySubscribe();
        }
    }

    /// <summary>The running source of <paramref name="streamName"/>, if any.</summary>
    public RtpStreamSource? Find(string streamName)
    {
        lock (_gate)
        {
            return _sources.GetValueOrDefault(streamName);
        }
    }

    /// <summary>Stops every source; their viewers see the end.</summary>
    public void Dispose()
    {
        RtpStreamSource[] sources;
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

    private void Forget(RtpStreamSource source)
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
