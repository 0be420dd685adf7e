using System.Diagnostics.CodeAnalysis;

namespace EmsSharp.Media.Hub;

/// <summary>
/// The meeting point of ingest and delivery: named live streams. Ingest adapters publish into it,
/// delivery adapters find streams (or wait for them) and attach readers. Thread-safe.
/// </summary>
public sealed class StreamHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LiveStream> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskCompletionSource<LiveStream>>> _waiters = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly LiveStreamOptions _options;
    private long _lastId;

    /// <summary>Creates a hub.</summary>
    /// <param name="timeProvider">Clock for stream creation times and bit rates; the system clock by default.</param>
    /// <param name="options">Limits of the streams; defaults when null.</param>
    public StreamHub(TimeProvider? timeProvider = null, LiveStreamOptions? options = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new LiveStreamOptions();
    }

    /// <summary>Raised after a stream was created (for the <c>inStreamCreated</c> event).</summary>
    public event Action<LiveStream>? StreamCreated;

    /// <summary>Raised after a stream ended (for the <c>inStreamClosed</c> event).</summary>
    public event Action<LiveStream>? StreamClosed;

    /// <summary>Number of live streams.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>
    /// A new uniqueId from the streams' own sequence, for an outbound stream (a viewer, an output) that the API lists beside
    /// the live streams: EvoStream numbers inbound and outbound streams in one space, so an id names one stream of either.
    /// </summary>
    public long AllocateId() => Interlocked.Increment(ref _lastId);

    /// <summary>
    /// Creates the live stream <paramref name="name"/> and returns it as the publisher's handle; false when
    /// that name is already live (a second publisher is refused). Dispose the handle to end the stream.
    /// <paramref name="origin"/> (default <see cref="StreamOrigin.Unspecified"/>) is what the API shows as its type and
    /// addresses.
    /// </summary>
    public bool TryPublish(string name, [NotNullWhen(true)] out LiveStream? stream, StreamOrigin? origin = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        List<TaskCompletionSource<LiveStream>>? waiters;
        lock (_gate)
        {
            if (_streams.ContainsKey(name))
            {
                stream = null;
                return false;
            }

            stream = new LiveStream(this, Interlocked.Increment(ref _lastId), name, origin ?? StreamOrigin.Unspecified, _options, _time);
            _streams.Add(name, stream);
            _waiters.Remove(name, out waiters);
        }

        // Listeners first (the inStreamCreated event, a pull's status): whoever waited for the stream then finds them done.
        StreamCreated?.Invoke(stream);
        if (waiters is not null)
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(stream);
            }
        }

        return true;
    }

    /// <summary>Finds a live stream by name.</summary>
    public bool TryGetStream(string name, [NotNullWhen(true)] out LiveStream? stream)
    {
        lock (_gate)
        {
            return _streams.TryGetValue(name, out stream);
        }
    }

    /// <summary>Finds a live stream by its unique id.</summary>
    public bool TryGetStream(long id, [NotNullWhen(true)] out LiveStream? stream)
    {
        lock (_gate)
        {
            foreach (var candidate in _streams.Values)
            {
                if (candidate.Id == id)
                {
                    stream = candidate;
                    return true;
                }
            }
        }

        stream = null;
        return false;
    }

    /// <summary>A snapshot of the live streams, ordered by id.</summary>
    public IReadOnlyList<LiveStream> GetStreams()
    {
        LiveStream[] streams;
        lock (_gate)
        {
            streams = [.. _streams.Values];
        }

        Array.Sort(streams, static (a, b) => a.Id.CompareTo(b.Id));
        return streams;
    }

    /// <summary>
    /// Returns the stream <paramref name="name"/> at once if it is live, else waits until it is published.
    /// Returns null when <paramref name="timeout"/> passes first (measured on the hub's time provider);
    /// throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<LiveStream?> WaitForStreamAsync(
        string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<LiveStream> waiter;
        lock (_gate)
        {
            if (_streams.TryGetValue(name, out var live))
            {
                return live;
            }

            waiter = new TaskCompletionSource<LiveStream>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_waiters.TryGetValue(name, out var list))
            {
                list = [];
                _waiters.Add(name, list);
            }

            list.Add(waiter);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        try
        {
            return await waiter.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            RemoveWaiter(name, waiter);
        }
    }

    internal void Remove(LiveStream stream)
    {
        lock (_gate)
        {
            if (!_streams.TryGetValue(stream.Name, out var current) || !ReferenceEquals(current, stream))
            {
                return;
            }

            _streams.Remove(stream.Name);
        }

        StreamClosed?.Invoke(stream);
    }

    private void RemoveWaiter(string name, TaskCompletionSource<LiveStream> waiter)
    {
        lock (_gate)
        {
            if (_waiters.TryGetValue(name, out var list) && list.Remove(waiter) && list.Count == 0)
            {
                _waiters.Remove(name);
            }
        }
    }
}
