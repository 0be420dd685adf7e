namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// Viewer tokens, EMS tokens and the allowed-room list (PROTOCOL.md §2.2). A viewer token is
/// single-client: it is bound to the first client that uses it to reach an EMS, and it expires
/// 10 minutes after that first use. A join into a room without an EMS does not use the token up
/// (ours), so the stock player's leave/join loop while waiting keeps its token. Thread-safe.
/// </summary>
internal sealed class TokenStore
{
    /// <summary>How long a viewer token lives after its first use.</summary>
    public static readonly TimeSpan ViewerTokenLifetime = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ViewerToken> _viewerTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _emsTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _allowedRooms = new(StringComparer.Ordinal);

    public TokenStore(IEnumerable<string> viewerTokens, IEnumerable<string> emsTokens, IEnumerable<string> allowedRooms)
    {
        foreach (string t in viewerTokens)
        {
            _viewerTokens[t] = new ViewerToken(t);
        }

        _emsTokens.UnionWith(emsTokens);
        _allowedRooms.UnionWith(allowedRooms);
    }

    public bool AddViewerToken(string token)
    {
        lock (_lock)
        {
            return _viewerTokens.TryAdd(token, new ViewerToken(token));
        }
    }

    public bool RemoveViewerToken(string token)
    {
        lock (_lock)
        {
            return _viewerTokens.Remove(token);
        }
    }

    public List<(string Token, string? UsedBy, DateTimeOffset? Expires)> ListViewerTokens()
    {
        lock (_lock)
        {
            List<(string, string?, DateTimeOffset?)> list = new(_viewerTokens.Count);
            foreach (ViewerToken t in _viewerTokens.Values)
            {
                list.Add((t.Value, t.UsedBy, t.FirstUse + ViewerTokenLifetime));
            }

            return list;
        }
    }

    /// <summary>Checks a viewer token for <paramref name="peerId"/>; with <paramref name="consume"/> binds it.</summary>
    public bool CheckViewerToken(string? token, string peerId, bool consume, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        lock (_lock)
        {
            if (!_viewerTokens.TryGetValue(token, out ViewerToken? t))
            {
                return false;
            }

            if (t.FirstUse is { } first && now >= first + ViewerTokenLifetime)
            {
                return false;
            }

            if (t.UsedBy is not null && t.UsedBy != peerId)
            {
                return false;
            }

            if (consume && t.UsedBy is null)
            {
                t.UsedBy = peerId;
                t.FirstUse = now;
            }

            return true;
        }
    }

    public bool AddEmsToken(string token)
    {
        lock (_lock)
        {
            return _emsTokens.Add(token);
        }
    }

    public bool RemoveEmsToken(string token)
    {
        lock (_lock)
        {
            return _emsTokens.Remove(token);
        }
    }

    public List<string> ListEmsTokens()
    {
        lock (_lock)
        {
            return [.. _emsTokens];
        }
    }

    /// <summary>True when no EMS tokens are configured or <paramref name="token"/> is one of them.</summary>
    public bool CheckEmsToken(string? token)
    {
        lock (_lock)
        {
            return _emsTokens.Count == 0 || (token is not null && _emsTokens.Contains(token));
        }
    }

    public bool AddRoom(string room)
    {
        lock (_lock)
        {
            return _allowedRooms.Add(room);
        }
    }

    public bool RemoveRoom(string room)
    {
        lock (_lock)
        {
            return _allowedRooms.Remove(room);
        }
    }

    public List<string> ListAllowedRooms()
    {
        lock (_lock)
        {
            return [.. _allowedRooms];
        }
    }

    /// <summary>True when any room is allowed (empty list) or <paramref name="room"/> is listed.</summary>
    public bool IsRoomAllowed(string room)
    {
        lock (_lock)
        {
            return _allowedRooms.Count == 0 || _allowedRooms.Contains(room);
        }
    }
}
