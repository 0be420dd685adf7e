namespace EmsSharp.Server.Api;

/// <summary>
/// EvoStream's group name aliases (shared/EVOSTREAM-API.md §4, Aliases): another name for an HLS/DASH group. EmsSharp
/// has no HLS or DASH yet, so this only keeps the mapping for the commands that manage it. At most
/// <see cref="MaxAliases"/>, so the API cannot grow the table without bound. Thread-safe.
/// </summary>
internal sealed class GroupNameAliases
{
    /// <summary>The most group name aliases held at once; <c>addGroupNameAlias</c> fails beyond it.</summary>
    public const int MaxAliases = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    /// <summary>Maps <paramref name="aliasName"/> to <paramref name="groupName"/> (replacing); false when full and the name is new.</summary>
    public bool TryAdd(string aliasName, string groupName)
    {
        lock (_gate)
        {
            if (_aliases.Count >= MaxAliases && !_aliases.ContainsKey(aliasName))
                return false;
            _aliases[aliasName] = groupName;
            return true;
        }
    }

    public bool TryGet(string aliasName, out string groupName)
    {
        lock (_gate)
            return _aliases.TryGetValue(aliasName, out groupName!);
    }

    public bool TryRemove(string aliasName, out string groupName)
    {
        lock (_gate)
            return _aliases.Remove(aliasName, out groupName!);
    }

    public void Flush()
    {
        lock (_gate)
            _aliases.Clear();
    }

    /// <summary>(alias, group) pairs by alias name, ordinal.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> List()
    {
        List<KeyValuePair<string, string>> list;
        lock (_gate)
            list = [.. _aliases];
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }
}
