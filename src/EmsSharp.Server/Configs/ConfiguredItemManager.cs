namespace EmsSharp.Server.Configs;

/// <summary>
/// The running items of one kind of configuration (<paramref name="operationType"/>) of the <see cref="ConfigurationStore"/>:
/// adds and saves them, replays the saved ones at start-up (<see cref="Restore"/>), stops every item (keeping saved
/// configurations) at shutdown, and forgets a one-shot item (keepAlive 0) with its configuration once it ended. Subclasses add
/// the command-facing creation (duplicate checks) under <see cref="Gate"/>.
/// </summary>
internal abstract class ConfiguredItemManager<T>(ConfigurationStore store, OperationType operationType) : IHostedService
    where T : class, IConfiguredItem
{
    private readonly Dictionary<long, T> _items = [];

    /// <summary>Serialises changes to the items; held while a subclass checks for duplicates and calls <see cref="AddLocked"/>.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>The running items (callers hold <see cref="Gate"/>).</summary>
    protected IEnumerable<T> ItemsLocked => _items.Values;

    /// <summary>The item of configuration <paramref name="configId"/>, or null.</summary>
    public T? Find(long configId)
    {
        lock (Gate)
        {
            return _items.GetValueOrDefault(configId);
        }
    }

    /// <summary>All running items.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (Gate)
        {
            return [.. _items.Values];
        }
    }

    /// <summary>Stops an item and removes its configuration (<c>removeConfig</c>); null when there is none.</summary>
    public async ValueTask<T?> RemoveAsync(long configId)
    {
        T? item;
        lock (Gate)
        {
            // The removal is saved first: a failed save (IOException) leaves the item running and configured.
            if (_items.TryGetValue(configId, out item))
            {
                store.TryRemove(configId, out _);
                _items.Remove(configId);
                Removed(item);
            }
        }

        if (item is not null)
        {
            await item.StopAsync().ConfigureAwait(false);
        }

        return item;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Load();
        var restored = new List<T>();
        lock (Gate)
        {
            foreach (var entry in store.Snapshot())
            {
                if (entry.OperationType == operationType && Restore(entry) is { } item)
                {
                    _items.Add(item.ConfigId, item);
                    restored.Add(item);
                }
            }
        }

        foreach (var item in restored)
        {
            Launch(item);
        }

        return Task.CompletedTask;
    }

    public virtual async Task StopAsync(CancellationToken cancellationToken)
    {
        List<T> all;
        lock (Gate)
        {
            all = [.. _items.Values];
            _items.Clear();
        }

        foreach (var item in all)
        {
            await item.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An item left the table (removed, or a one-shot item ended); called under <see cref="Gate"/>.</summary>
    protected virtual void Removed(T item)
    {
    }

    /// <summary>The item of a saved configuration, or null (logged) when the saved data is unusable.</summary>
    protected abstract T? Restore(ConfigurationEntry entry);

    /// <summary>
    /// Allocates the configId, builds the item with it (<paramref name="create"/>), saves its configuration and adds it; the
    /// caller holds <see cref="Gate"/> and calls <see cref="Launch"/> after releasing it. A failed save throws
    /// <see cref="IOException"/> and adds nothing.
    /// </summary>
    protected T AddLocked(bool keepAlive, Func<long, T> create)
    {
        T? item = null;
        store.Add(operationType, keepAlive, id =>
        {
            item = create(id);
            return item.ConfigurationJson();
        });
        _items.Add(item!.ConfigId, item);
        return item;
    }

    /// <summary>Starts an item; a one-shot item is forgotten with its configuration once it ended.</summary>
    protected void Launch(T item)
    {
        item.Start();
        if (!item.KeepAlive)
        {
            _ = item.Completion.ContinueWith(
                (_, state) => Forget((T)state!), item, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(T item)
    {
        lock (Gate)
        {
            if (_items.TryGetValue(item.ConfigId, out var current) && ReferenceEquals(current, item))
            {
                _items.Remove(item.ConfigId);
                store.TryRemove(item.ConfigId, out _);
                Removed(item);
            }
        }
    }
}
