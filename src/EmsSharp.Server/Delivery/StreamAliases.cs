namespace EmsSharp.Server.Delivery;

/// <summary>
/// EvoStream's stream aliases (shared/EVOSTREAM-API.md §4, Aliases; docs/OPERATIONS.md, Commands): another name a
/// viewer may give for a live stream. Every viewer entry point (WS-FMP4's URL path, a WebRTC viewer's joined name over
/// srtp, its <c>fmp4Request</c> over fmp4) asks here first; a name that is not an alias is used as given. A one-shot alias
/// is consumed by the viewer that uses it. Expired aliases are dropped when next seen, so they stop resolving and leave
/// the list without a timer. At most <see cref="MaxAliases"/>, so the API cannot grow the table without bound.
/// Thread-safe: one lock around a dictionary (the API and viewers of any transport call it).
/// </summary>
internal sealed partial class StreamAliases(TimeProvider time, ILogger<StreamAliases> logger)
{
    /// <summary>The most aliases held at once; <c>addStreamAlias</c> fails beyond it.</summary>
    public const int MaxAliases = 10_000;

    /// <summary>The largest |expirePeriod| accepted, in seconds (365 days); longer is what 0 (never expires) is for.</summary>
    public const long MaxExpirePeriod = 365L * 24 * 3600;

    private readonly Lock _gate = new();

    // Ordinal, as stream names are (StreamHub): an alias is matched exactly like the name it stands for.
    private readonly Dictionary<string, StreamAlias> _aliases = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds <paramref name="aliasName"/> for <paramref name="localStreamName"/>, replacing an alias of the same name
    /// (EvoStream keeps one entry per name). False when the table is full and the name is new.
    /// </summary>
    public bool TryAdd(string aliasName, string localStreamName, long expirePeriod, out StreamAlias alias)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Abs(expirePeriod), MaxExpirePeriod, nameof(expirePeriod));
        alias = new StreamAlias(aliasName, localStreamName, expirePeriod, time.GetUtcNow(), time.GetTimestamp());
        lock (_gate)
        {
            if (_aliases.Count >= MaxAliases && !_aliases.ContainsKey(aliasName))
            {
                PurgeExpired();
                if (_aliases.Count >= MaxAliases)
                    return false;
            }

            _aliases[aliasName] = alias;
            return true;
        }
    }

    /// <summary>The aliases that have not expired, by alias name (ordinal, as EvoStream's serializer orders keys).</summary>
    public IReadOnlyList<StreamAlias> List()
    {
        List<StreamAlias> list;
        lock (_gate)
        {
            PurgeExpired();
            list = [.. _aliases.Values];
        }

        list.Sort(static (a, b) => string.CompareOrdinal(a.AliasName, b.AliasName));
        return list;
    }

    /// <summary>Removes an alias; false when there is none of that name (an expired one counts as none).</summary>
    public bool TryRemove(string aliasName, out StreamAlias alias)
    {
        lock (_gate)
        {
            return _aliases.Remove(aliasName, out alias!) && !alias.IsExpired(time, time.GetTimestamp());
        }
    }

    /// <summary>Removes every alias.</summary>
    public void Flush()
    {
        lock (_gate)
            _aliases.Clear();
    }

    /// <summary>
    /// The live alias named <paramref name="name"/>, without using it: for an entry point that must check something
    /// against the real stream (a read key) before the viewer is admitted, then calls <see cref="TryUse"/>.
    /// </summary>
    public bool TryPeek(string name, out StreamAlias alias)
    {
        lock (_gate)
        {
            if (!_aliases.TryGetValue(name, out alias!))
                return false;
            if (!alias.IsExpired(time, time.GetTimestamp()))
                return true;
            _aliases.Remove(name);
            return false;
        }
    }

    /// <summary>
    /// Uses <paramref name="alias"/> (from <see cref="TryPeek"/>) for <paramref name="viewer"/>: a one-shot alias is
    /// consumed. False when it is no longer there: another viewer consumed it, it was removed, replaced or expired.
    /// </summary>
    public bool TryUse(StreamAlias alias, string viewer)
    {
        lock (_gate)
        {
            if (!_aliases.TryGetValue(alias.AliasName, out var current) || !ReferenceEquals(current, alias))
                return false;
            if (alias.IsExpired(time, time.GetTimestamp()))
            {
                _aliases.Remove(alias.AliasName);
                return false;
            }

            if (alias.OneShot)
                _aliases.Remove(alias.AliasName);
        }

        LogResolved(logger, alias.AliasName, alias.LocalStreamName, viewer, alias.OneShot);
        return true;
    }

    /// <summary>
    /// The stream <paramref name="name"/> stands for: an alias's stream (using the alias, see <see cref="TryUse"/>),
    /// else <paramref name="name"/> as given.
    /// </summary>
    public string Resolve(string name, string viewer) =>
        TryPeek(name, out var alias) && TryUse(alias, viewer) ? alias.LocalStreamName : name;

    // Under _gate. Linear, but only when listing or when the table is full: never on a viewer's path.
    private void PurgeExpired()
    {
        var now = time.GetTimestamp();
        foreach (var (name, alias) in _aliases)
        {
            if (alias.IsExpired(time, now))
                _aliases.Remove(name); // allowed while enumerating (.NET Core 3.0+ Dictionary)
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alias {Alias} resolved to stream {Stream} for {Viewer} (one-shot: {OneShot})")]
    private static partial void LogResolved(ILogger logger, string alias, string stream, string viewer, bool oneShot);
}
