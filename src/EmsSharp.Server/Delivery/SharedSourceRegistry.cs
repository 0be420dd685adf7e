using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// One shared source per live stream name, created with its first viewer and forgotten when it stops (its last
/// viewer left or the stream ended); a new publisher of the name gets a new source. Used by the fMP4 and the RTP
/// source managers.
/// </summary>
internal sealed class SharedSourceRegistry<TSource, TSubscription> : IDisposable
    where TSource : class, ISharedStreamSource<TSubscription>
    where TSubscription : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TSource> _sources = new(StringComparer.Ordinal);
    private readonly Func<LiveStream, Action<TSource>, TSource> _create;
    private bool _disposed;

    /// <param name="create">Makes the source of a stream; it calls the given action once it has stopped.</param>
    public SharedSourceRegistry(Func<LiveStream, Action<TSource>, TSource> create) => _create = create;

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
    /// Subscribes a viewer to <paramref name="stream"/> through its shared source, creating (and starting) the
    /// source if none runs for it. Null when the server is stopping. See <see cref="ISharedStreamSource{T}.Subscribe"/>
    /// for <paramref name="listener"/>.
    /// </summary>
    public TSubscription? TrySubscribe(LiveStream stream, IStreamRingListener? listener = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            if (_sources.TryGetValue(stream.Name, out var source) && ReferenceEquals(source.Stream, stream)
                && source.Subscribe(listener) is { } subscription)
            {
                return subscription;
            }

            // None, one of an earlier publisher of this name, or one that just stopped: start a new one.
            source = _create(stream, Forget);
            _sources[stream.Name] = source;
            return source.Subscribe(listener);
        }
    }

    /// <summary>Each running source's figures, in no particular order.</summary>
    public List<SharedSourceStats> Snapshot()
    {
        lock (_gate)
        {
            var stats = new List<SharedSourceStats>(_sources.Count);
            foreach (var source in _sources.Values)
            {
                stats.Add(source.Stats);
            }

            return stats;
        }
    }

    /// <summary>The running source of <paramref name="streamName"/>, if any.</summary>
    public TSource? Find(string streamName)
    {
        lock (_gate)
        {
            return _sources.GetValueOrDefault(streamName);
        }
    }

    /// <summary>Stops every source; their viewers see the end.</summary>
    public void Dispose()
    {
        TSource[] sources;
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

    private void Forget(TSource source)
    {
        lock (_gate)
        {
            if (_sources.TryGetValue(source.Stream.Name, out var current) && ReferenceEquals(current, source))
            {
                _sources.Remove(source.Stream.Name);
            }
        }
    }
}
