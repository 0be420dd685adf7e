using EmsSharp.Rendezvous.Cluster;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// Viewer tokens, EMS tokens and the allowed-room list (PROTOCOL.md §2.2). A viewer token is
/// single-client: it is bound to the first client that uses it to reach an EMS, and it expires
/// 10 minutes after that first use. A join into a room without an EMS does not use the token up
/// (ours), so the stock player's leave/join loop while waiting keeps its token. Restrictions latch
/// (ours): once rooms were restricted or an EMS token required, emptying the list closes, never opens.
/// Thread-safe.
/// </summary>
internal sealed class TokenStore
{
    /// <summary>How long a viewer token lives after its first use.</summary>
    public static readonly TimeSpan ViewerTokenLifetime = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ViewerToken> _viewerTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _emsTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _allowedRooms = new(StringComparer.Ordinal);
    private readonly Action? _viewerTokenUsed;
    private bool _roomsRestricted;
    private bool _emsTokenRequired;

    /// <param name="state">The starting state (from the configuration or the state file).</param>
    /// <param name="viewerTokenUsed">Called when a viewer token is bound to its client, outside this store's lock but maybe under the caller's: no I/O in it.</param>
    public TokenStore(AdminState state, Action? viewerTokenUsed = null)
    {
        Replace(state);
        _viewerTokenUsed = viewerTokenUsed;
    }

    /// <summary>
    /// The state the cluster shares (<c>server.redis</c>), or null for an ERS alone. With it, this store is the cluster's
    /// state as this node last saw it, and a viewer token's use goes through Redis first (set once, before the listeners
    /// start).
    /// </summary>
    public ClusterTokenStore? Shared { get; set; }

    /// <summary>Replaces everything with <paramref name="state"/> (the start, or the cluster's copy when it changed).</summary>
    public void Replace(AdminState state)
    {
        lock (_lock)
        {
            _viewerTokens.Clear();
            foreach (ViewerTokenState t in state.Tokens)
            {
                _viewerTokens[t.Token] = new ViewerToken(t.Token) { UsedBy = t.UsedBy, FirstUse = t.FirstUse };
            }

            _emsTokens.Clear();
            foreach (var (token, room) in state.EmsTokens)
            {
                _emsTokens[token] = room;
            }

            _allowedRooms.Clear();
            _allowedRooms.UnionWith(state.AllowedRooms);
            _roomsRestricted = state.RoomsRestricted || _allowedRooms.Count > 0;
            _emsTokenRequired = state.EmsTokenRequired || _emsTokens.Count > 0;
        }
    }

    /// <summary>False when any EMS may claim any room (no token of any kind was ever configured).</summary>
    public bool EmsTokenRequired
    {
        get
        {
            lock (_lock)
            {
                return _emsTokenRequired;
            }
        }
    }

    /// <summary>False while any room may be joined (no allowed list was ever configured or added to).</summary>
    public bool RoomsRestricted
    {
        get
        {
            lock (_lock)
            {
                return _roomsRestricted;
            }
        }
    }

    /// <summary>A copy of everything, for the state file.</summary>
    public AdminState Snapshot()
    {
        lock (_lock)
        {
            return new AdminState
            {
                AllowedRooms = [.. _allowedRooms],
                RoomsRestricted = _roomsRestricted,
                EmsTokens = [.. _emsTokens.Select(e => new Configuration.EmsTokenOptions(e.Key, e.Value))],
                EmsTokenRequired = _emsTokenRequired,
                Tokens = [.. _viewerTokens.Values.Select(t => new ViewerTokenState(t.Value, t.UsedBy, t.FirstUse))],
            };
        }
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

            if (!consume || t.UsedBy is not null)
            {
                return true;
            }

            t.UsedBy = peerId;
            t.FirstUse = now;
        }

        _viewerTokenUsed?.Invoke();
        return true;
    }

    /// <summary>
    /// <see cref="CheckViewerToken"/>, with the binding decided by the cluster when there is one (<see cref="Shared"/>), so a
    /// token binds to one client across every node.
    /// </summary>
    public ValueTask<bool> CheckViewerTokenAsync(string? token, string peerId, bool consume, DateTimeOffset now) =>
        Shared is { } shared && consume && CheckViewerToken(token, peerId, consume: false, now)
            ? shared.ConsumeViewerTokenAsync(token!, peerId, now)
            : ValueTask.FromResult(CheckViewerToken(token, peerId, consume, now));

    /// <summary>With a cluster, brings this copy up to date first when it would refuse the join (ClusterTokenStore.CatchUpAsync).</summary>
    public ValueTask CatchUpAsync(string room, bool isEms, string? token, string peerId, DateTimeOffset now) =>
        Shared?.CatchUpAsync(room, isEms, token, peerId, now) ?? ValueTask.CompletedTask;

    /// <summary>
    /// Records the binding the cluster holds for <paramref name="token"/> (its first client and use); false when this node
    /// does not know the token. A binding new to this node is saved like one made here.
    /// </summary>
    public bool RecordUse(string token, string usedBy, DateTimeOffset firstUse)
    {
        lock (_lock)
        {
            if (!_viewerTokens.TryGetValue(token, out ViewerToken? t))
            {
                return false;
            }

            if (t.UsedBy == usedBy && t.FirstUse == firstUse)
            {
                return true;
            }

            t.UsedBy = usedBy;
            t.FirstUse = firstUse;
        }

        _viewerTokenUsed?.Invoke();
        return true;
    }

    /// <summary>Adds an EMS token, bound to <paramref name="room"/> when given; from then on the EMS role needs a token.</summary>
    public bool AddEmsToken(string token, string? room)
    {
        lock (_lock)
        {
            if (!_emsTokens.TryAdd(token, room))
            {
                return false;
            }

            _emsTokenRequired = true;
            return true;
        }
    }

    public bool RemoveEmsToken(string token)
    {
        lock (_lock)
        {
            return _emsTokens.Remove(token);
        }
    }

    public List<(string Token, string? Room)> ListEmsTokens()
    {
        lock (_lock)
        {
            return [.. _emsTokens.Select(e => (e.Key, e.Value))];
        }
    }

    /// <summary>
    /// True when no token was ever configured (EvoStream's open rooms), or <paramref name="token"/> is an
    /// EMS token that is unbound or bound to <paramref name="room"/>.
    /// </summary>
    public bool CheckEmsToken(string? token, string room)
    {
        lock (_lock)
        {
            return !_emsTokenRequired
                || (token is not null && _emsTokens.TryGetValue(token, out string? bound) && (bound is null || bound == room));
        }
    }

    /// <summary>Adds an allowed room; from then on only listed rooms are allowed.</summary>
    public bool AddRoom(string room)
    {
        lock (_lock)
        {
            _roomsRestricted = true;
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

    /// <summary>True when rooms were never restricted, or <paramref name="room"/> is listed.</summary>
    public bool IsRoomAllowed(string room)
    {
        lock (_lock)
        {
            return !_roomsRestricted || _allowedRooms.Contains(room);
        }
    }
}
