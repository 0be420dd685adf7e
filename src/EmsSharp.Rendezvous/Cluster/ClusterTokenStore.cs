using System.Globalization;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;
using StackExchange.Redis;

namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// The admin state the nodes of a cluster share (<c>server.redis</c>; docs/OPERATIONS.md, "Scaling out"): viewer tokens
/// with their use, EMS tokens with their rooms, the allowed rooms and the latched restrictions live in Redis
/// (<see cref="AdminScripts"/>); an admin change made on any node is made there and every node hears it on
/// <see cref="ClusterKeys.AdminChannel"/>.
/// The checks of a join read this node's <see cref="TokenStore"/>, a copy that each change's message brings up to date: a
/// join then waits for no Redis round trip (the state is small and changes rarely; rereading it on each message is
/// cheap). A copy that would refuse a join is brought up to date first (<see cref="CatchUpAsync"/>), so a change made on
/// another node a moment ago is in force although its message may still be on the way. Only a viewer token's use goes to
/// Redis on the join (<see cref="AdminScripts.Consume"/>, one atomic check-and-bind), so two nodes never bind one token to
/// two clients.
/// With Redis away the copy stays in force: joins go on, a viewer token's use binds here and is written to Redis when it
/// returns, and admin changes are refused (two nodes changing their copies alone could not be merged back without
/// losing one's change). The first node to find Redis without admin state (at start, or after Redis restarted empty)
/// fills it in with its copy; the others take that.
/// </summary>
internal sealed class ClusterTokenStore
{
    private readonly ErsCluster _cluster;
    private readonly TokenStore _local;
    private readonly bool _tokensEnabled;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly string _source;
    private bool _synced;
    private Task _syncs = Task.CompletedTask;
    private int _dirty;
    private int _writeBack;
    private bool _subscribed; // the syncs', which run one at a time

    private ClusterTokenStore(ErsCluster cluster, TokenStore local, bool tokensEnabled, string source, ILogger logger)
    {
        _cluster = cluster;
        _local = local;
        _tokensEnabled = tokensEnabled;
        _source = source;
        _logger = logger;
    }

    /// <summary>
    /// Shares <paramref name="local"/> (this node's start state, from <paramref name="source"/>) through
    /// <paramref name="cluster"/>: fills Redis in with it or takes Redis's, before the listeners start. Redis down is
    /// not an error: the node starts with its own copy and syncs when Redis answers.
    /// </summary>
    public static async Task<ClusterTokenStore> StartAsync(
        ErsCluster cluster, TokenStore local, ErsOptions options, string source, ILogger logger)
    {
        ClusterTokenStore store = new(cluster, local, options.Server.TokensEnabled, source, logger);
        local.Shared = store;
        cluster.Healed += () => store.RequestSync(writeBack: true);
        if (cluster.IsUp)
        {
            await store.RequestSync(writeBack: true).ConfigureAwait(false);
        }

        return store;
    }

    /// <summary>
    /// Makes <paramref name="change"/> for the whole cluster and in this node's copy: true when made, false when there was
    /// nothing to do (exists, unknown), null when Redis did not take it (nothing changed anywhere).
    /// </summary>
    public async Task<bool?> ChangeAsync(AdminChange change, string name, string? room, Func<bool> applyHere)
    {
        RedisResult result;
        try
        {
            result = await _cluster.Database.ScriptEvaluateAsync(AdminScripts.Change, Keys,
                [change.ToString(), name, room ?? "", ClusterKeys.AdminChannel]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _cluster.Degrade(e.Message);
            return null;
        }

        int done = (int)result;
        if (done < 0)
        {
            _ = RequestSync(writeBack: true); // Redis restarted empty: fill it in, then the change can be made again
            return null;
        }

        applyHere(); // at once for this node's reply; the change's message brings the same
        return done == 1;
    }

    /// <summary>
    /// Binds the viewer token <paramref name="token"/> to <paramref name="peerId"/> for the whole cluster unless another
    /// client has it; true when the token is <paramref name="peerId"/>'s and not expired. With Redis away it binds here
    /// (written back when Redis returns).
    /// </summary>
    public async ValueTask<bool> ConsumeViewerTokenAsync(string token, string peerId, DateTimeOffset now)
    {
        RedisResult result;
        try
        {
            result = await ConsumeAsync(token, peerId, now).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _cluster.Degrade(e.Message);
            return _local.CheckViewerToken(token, peerId, consume: true, now);
        }

        if (result.IsNull || ParseUse(result.ToString()) is not var (usedBy, firstUse))
        {
            return false; // removed on another node meanwhile
        }

        _local.RecordUse(token, usedBy, firstUse);
        return usedBy == peerId && now < firstUse + TokenStore.ViewerTokenLifetime;
    }

    /// <summary>
    /// Before a join's checks: when this node's copy would refuse it (the room not allowed, the token unknown), rereads the
    /// cluster's state (a change made on another node a moment ago may not have reached this node's copy yet). A join the
    /// copy allows waits for nothing.
    /// </summary>
    public async ValueTask CatchUpAsync(string room, bool isEms, string? token, string peerId, DateTimeOffset now)
    {
        bool allowed = _local.IsRoomAllowed(room) && (isEms
            ? _local.CheckEmsToken(token, room)
            : !_tokensEnabled || _local.CheckViewerToken(token, peerId, consume: false, now));
        if (!allowed && _cluster.IsUp)
        {
            await RequestSync(writeBack: false).ConfigureAwait(false);
        }
    }

    private string When => _synced ? "after Redis returned" : "at start";

    private static RedisKey[] Keys => [ClusterKeys.AdminFlags, ClusterKeys.ViewerTokens, ClusterKeys.EmsTokens, ClusterKeys.AllowedRooms];

    private Task<RedisResult> ConsumeAsync(string token, string peerId, DateTimeOffset use) =>
        _cluster.Database.ScriptEvaluateAsync(AdminScripts.Consume, [ClusterKeys.ViewerTokens],
            [token, peerId, use.ToUnixTimeMilliseconds(), ClusterKeys.AdminChannel]);

    // Syncs run one after the other; a request made while one runs gets one more after it, and requests that pile up
    // meanwhile share that one.
    private Task RequestSync(bool writeBack)
    {
        if (writeBack)
        {
            Volatile.Write(ref _writeBack, 1);
        }

        Volatile.Write(ref _dirty, 1);
        lock (_gate)
        {
            _syncs = _syncs.ContinueWith(_ => SyncIfDirtyAsync(), CancellationToken.None, TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
            return _syncs;
        }
    }

    private async Task SyncIfDirtyAsync()
    {
        if (Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }

        bool writeBack = Interlocked.Exchange(ref _writeBack, 0) == 1;
        try
        {
            await SyncAsync(writeBack).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _cluster.Degrade(e.Message); // the heal syncs again, writing back too
        }
    }

    // Takes the cluster's state into this node's copy; fills an empty Redis in with the copy first. After a start or a
    // heal (writeBack) the viewer tokens this node bound alone are written to Redis before.
    private async Task SyncAsync(bool writeBack)
    {
        if (!_subscribed)
        {
            // Before the first read, so no change made after it goes unheard; once (the client subscribes again by
            // itself after a reconnect), when Redis first answers: it may be down at start.
            ChannelMessageQueue queue = await _cluster.Subscriber.SubscribeAsync(RedisChannel.Literal(ClusterKeys.AdminChannel)).ConfigureAwait(false);
            queue.OnMessage(_ => RequestSync(writeBack: false));
            _subscribed = true;
        }

        IDatabase db = _cluster.Database;
        AdminState? held = ReadState(await db.ScriptEvaluateAsync(AdminScripts.Read, Keys).ConfigureAwait(false));
        if (held is null)
        {
            AdminState mine = _local.Snapshot();
            if ((int)await db.ScriptEvaluateAsync(AdminScripts.Seed, Keys, SeedArguments(mine)).ConfigureAwait(false) == 1)
            {
                ClusterLog.AdminSeeded(_logger, _cluster.NodeId, When, _synced ? "its last copy" : _source,
                    mine.Tokens.Count, mine.EmsTokens.Count, mine.AllowedRooms.Count);
                _synced = true;
                return;
            }

            held = ReadState(await db.ScriptEvaluateAsync(AdminScripts.Read, Keys).ConfigureAwait(false));
        }

        if (writeBack)
        {
            if (await WriteBackAsync(held!).ConfigureAwait(false))
            {
                held = ReadState(await db.ScriptEvaluateAsync(AdminScripts.Read, Keys).ConfigureAwait(false));
            }

            ClusterLog.AdminTaken(_logger, _cluster.NodeId, When, held!.Tokens.Count, held.EmsTokens.Count, held.AllowedRooms.Count);
        }

        _synced = true;

        _local.Replace(held!);
    }

    // The viewer tokens this node bound while Redis was away, which Redis holds unused: bound there now. Returns true
    // when any was.
    private async Task<bool> WriteBackAsync(AdminState held)
    {
        HashSet<string> unused = [.. held.Tokens.Where(t => t.UsedBy is null).Select(t => t.Token)];
        bool any = false;
        foreach (ViewerTokenState used in _local.Snapshot().Tokens)
        {
            if (used is { UsedBy: { } peer, FirstUse: { } first } && unused.Contains(used.Token))
            {
                RedisResult result = await ConsumeAsync(used.Token, peer, first).ConfigureAwait(false);
                if (!result.IsNull && ParseUse(result.ToString()) is var (usedBy, _) && usedBy != peer)
                {
                    ClusterLog.TokenUsedTwice(_logger, peer, usedBy);
                }

                any = true;
            }
        }

        return any;
    }

    private RedisValue[] SeedArguments(AdminState state)
    {
        List<RedisValue> args = [_cluster.NodeId, state.EmsTokenRequired ? "1" : "0", state.RoomsRestricted ? "1" : "0",
            state.Tokens.Count, state.EmsTokens.Count];
        foreach (ViewerTokenState t in state.Tokens)
        {
            args.Add(t.Token);
            args.Add(t is { UsedBy: { } peer, FirstUse: { } first } ? Use(first, peer) : "");
        }

        foreach (EmsTokenOptions t in state.EmsTokens)
        {
            args.Add(t.Token);
            args.Add(t.Room ?? "");
        }

        args.AddRange(state.AllowedRooms.Select(r => (RedisValue)r));
        return [.. args];
    }

    // The Read script's answer as a state; null when Redis holds no admin state (no seededBy). The configuration's
    // tokensEnabled still makes this node's EMS role need a token, as with a state file (ErsState).
    private AdminState? ReadState(RedisResult result)
    {
        RedisResult[] parts = (RedisResult[])result!;
        Dictionary<string, string> flags = Pairs(parts[0]).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (!flags.ContainsKey("seededBy"))
        {
            return null;
        }

        return new AdminState
        {
            Tokens = [.. Pairs(parts[1]).Select(p => ParseUse(p.Value) is var (usedBy, first)
                ? new ViewerTokenState(p.Key, usedBy, first) : new ViewerTokenState(p.Key, null, null))],
            EmsTokens = [.. Pairs(parts[2]).Select(p => new EmsTokenOptions(p.Key, p.Value.Length > 0 ? p.Value : null))],
            EmsTokenRequired = flags.ContainsKey("emsTokenRequired") || _tokensEnabled,
            AllowedRooms = [.. ((RedisResult[])parts[3]!).Select(r => r.ToString())],
            RoomsRestricted = flags.ContainsKey("roomsRestricted"),
        };
    }

    private static IEnumerable<KeyValuePair<string, string>> Pairs(RedisResult list)
    {
        RedisResult[] items = (RedisResult[])list!;
        for (int i = 0; i + 1 < items.Length; i += 2)
        {
            yield return new(items[i].ToString(), items[i + 1].ToString());
        }
    }

    private static string Use(DateTimeOffset first, string peer) =>
        string.Create(CultureInfo.InvariantCulture, $"{first.ToUnixTimeMilliseconds()}:{peer}");

    // FIRSTUSEMS:PEER (AdminScripts.Consume); null for an unused token ("") or anything else.
    private static (string UsedBy, DateTimeOffset FirstUse)? ParseUse(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            ? (value[(colon + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : null;
    }
}
