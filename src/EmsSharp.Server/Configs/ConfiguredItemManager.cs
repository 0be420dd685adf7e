using System.Text.Json.Nodes;

namespace EmsSharp.Server.Configs;

/// <summary>One running item of a configuration (a push, a recording): started once, stopped for good.</summary>
internal interface IConfiguredItem
{
    long ConfigId { get; }

    bool KeepAlive { get; }

    /// <summary>Completes when the item has ended for good (removed, or ended without keepAlive).</summary>
    Task Completion { get; }

    void Start();

    Task StopAsync();
}

/// <summary>
/// The running items of one kind of configuration (<paramref name="operationType"/>) of the <see cref="ConfigurationStore"/>:
/// adds and saves them, replays the saved ones at start-up, stops every item (keeping saved configurations) at shutdown, and
/// forgets a one-shot item (keepAlive 0) with its configuration once it ended. <c>removeConfig</c> stops one and removes its
/// configuration. What a kind adds is how an item is made from a saved entry (<see cref="Restore"/>).
/// </summary>
internal abstract class ConfiguredItemManager<TItem>(ConfigurationStore store, OperationType operationType) : IHostedService
    where TItem : class, IConfiguredItem
{
    private readonly Dictionary<long, TItem> _items = [];

    /// <summary>Serialises changes to the items; held while a kind checks its own conflicts and calls <see cref="AddLocked"/>.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>The item of configuration <paramref name="configId"/>, or null.</summary>
    public TItem? Find(long configId)
    {
        lock (Gate)
        {
            return _items.GetValueOrDefault(configId);
        }
    }

    /// <summary>The running items, by configId.</summary>
    public IReadOnlyList<TItem> Items()
    {
        lock (Gate)
        {
            return [.. _items.Values.OrderBy(static i => i.ConfigId)];
        }
    }

    /// <summary>The first running item that matches <paramref name="match"/>, or null.</summary>
    public TItem? FindFirst(Func<TItem, bool> match)
    {
        lock (Gate)
        {
            foreach (var item in _items.Values)
            {
                if (match(item))
                {
                    return item;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Stops an item and starts the one <paramref name="rebuild"/> makes of it afresh, under the same configuration, which
    /// stays saved. False when there is no such item, it was removed meanwhile, or <paramref name="rebuild"/> made none.
    /// </summary>
    public async ValueTask<bool> RestartAsync(long configId, Func<TItem, TItem?> rebuild)
    {
        TItem? old;
        lock (Gate)
        {
            if (!_items.TryGetValue(configId, out old))
            {
                return false;
            }
        }

        await old.StopAsync().ConfigureAwait(false);
        TItem? fresh;
        lock (Gate)
        {
            if (!_items.TryGetValue(configId, out var current) || !ReferenceEquals(current, old) || rebuild(old) is not { } made)
            {
                return false;
            }

            fresh = made;
            _items[configId] = fresh;
        }

        Launch(fresh);
        return true;
    }

    /// <summary>Stops an item and removes its configuration (<c>removeConfig</c>); null when there is none.</summary>
    public async ValueTask<TItem?> RemoveAsync(long configId)
    {
        TItem? item;
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
        var restored = new List<TItem>();
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<TItem> all;
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

    /// <summary>
    /// Saves and starts the item <paramref name="create"/> makes (with its configuration's data) from its new configId;
    /// null, with the holder's configId, when a running item <paramref name="conflicts"/>. <paramref name="create"/> runs
    /// under the store's lock: it only builds objects.
    /// </summary>
    protected TItem? TryAdd(bool keepAlive, Func<TItem, bool> conflicts, Func<long, (JsonObject Data, TItem Item)> create, out long existingConfigId)
    {
        TItem? item = null;
        lock (Gate)
        {
            foreach (var running in _items.Values)
            {
                if (conflicts(running))
                {
                    existingConfigId = running.ConfigId;
                    return null;
                }
            }

            item = AddLocked(keepAlive, create);
        }

        existingConfigId = 0;
        Launch(item);
        return item;
    }

    /// <summary>
    /// Allocates the configId, builds the item with it (<paramref name="create"/>, with its configuration's data), saves the
    /// configuration and adds the item; the caller holds <see cref="Gate"/> and calls <see cref="Launch"/> after releasing
    /// it. A failed save throws <see cref="IOException"/> and adds nothing.
    /// </summary>
    protected TItem AddLocked(bool keepAlive, Func<long, (JsonObject Data, TItem Item)> create)
    {
        TItem? item = null;
        store.Add(operationType, keepAlive, id =>
        {
            var (data, made) = create(id);
            item = made;
            return data;
        });
        _items.Add(item!.ConfigId, item);
        return item;
    }

    /// <summary>Called under <see cref="Gate"/> when an item leaves (removeConfig, or a one-shot item that ended).</summary>
    protected virtual void Removed(TItem item)
    {
    }

    /// <summary>The item of a saved configuration, or null (logged) when the entry cannot make one.</summary>
    protected abstract TItem? Restore(ConfigurationEntry entry);

    /// <summary>Starts an item; a one-shot item is forgotten with its configuration once it ended.</summary>
    protected void Launch(TItem item)
    {
        item.Start();
        if (!item.KeepAlive)
        {
            // A one-shot item that ended is forgotten with its configuration: nothing stays half-created.
            _ = item.Completion.ContinueWith(
                (_, state) => Forget((TItem)state!), item, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(TItem item)
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
