namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The sessions of one room by peer id (an ERS room's browsers, the WHEP players, the WHIP publishers), each an entry
/// of <typeparamref name="T"/> around its <see cref="IRoomSession"/>: added, found, removed and closed in the background
/// (so a session may remove itself from its own callbacks), and all closed, awaited, when the room goes.
/// </summary>
internal sealed class ViewerSessions<T>(Func<T, IRoomSession> viewerOf, Func<T, Task> close) where T : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _entries = new(StringComparer.Ordinal);
    private readonly List<Task> _closing = [];
    private bool _closed;

    /// <summary>True once <see cref="CloseAllAsync"/> began: nothing is added any more.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
                return _closed;
        }
    }

    /// <summary>
    /// Adds <paramref name="entry"/> under its viewer's peer id; an entry it replaces (the same peer joined again) is
    /// closed in the background. False when the room is closing (nothing added).
    /// </summary>
    public bool TryAdd(T entry)
    {
        lock (_gate)
        {
            if (_closed)
                return false;
            var id = viewerOf(entry).PeerId;
            if (_entries.Remove(id, out var previous))
                CloseInBackground(previous);
            _entries[id] = entry;
            return true;
        }
    }

    public T? Find(string id)
    {
        lock (_gate)
            return _entries.GetValueOrDefault(id);
    }

    /// <summary>A snapshot of the entries.</summary>
    public T[] Snapshot()
    {
        lock (_gate)
            return [.. _entries.Values];
    }

    /// <summary>Removes <paramref name="viewer"/>'s entry if it is still the current one and closes it in the background.</summary>
    public bool TryRemove(IRoomSession viewer, out T? removed)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(viewer.PeerId, out removed) || !ReferenceEquals(viewerOf(removed), viewer))
                return false;
            _entries.Remove(viewer.PeerId);
            CloseInBackground(removed);
            return true;
        }
    }

    /// <summary>Closes every entry and waits for those closing in the background.</summary>
    public async Task CloseAllAsync()
    {
        T[] entries;
        Task[] closing;
        lock (_gate)
        {
            _closed = true;
            entries = [.. _entries.Values];
            _entries.Clear();
            closing = [.. _closing];
        }

        foreach (var entry in entries)
            await close(entry).ConfigureAwait(false);
        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    // Under the gate.
    private void CloseInBackground(T entry)
    {
        _closing.RemoveAll(static t => t.IsCompleted);
        _closing.Add(Task.Run(() => close(entry)));
    }
}

/// <summary>A session of a room, known by its peer id (a <see cref="ViewerSession"/>, a WHIP publisher).</summary>
internal interface IRoomSession
{
    string PeerId { get; }
}
