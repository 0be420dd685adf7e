using System.Net;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// This node's part in an <c>ers</c> cluster on one Redis (<c>server.redis</c>; docs/OPERATIONS.md, "Scaling out"). Each
/// node keeps its own sockets; Redis holds who is in which room on which node (<see cref="ClusterScripts"/>), and a node
/// reaches another's sockets through that node's pub/sub channel. Every node renews its liveness key each second and takes
/// the members of a node whose key expired out of their rooms.
/// When Redis cannot be reached the node goes on serving its own sockets alone (a join sees only this node's room) and
/// says so once; when Redis is back it says so and writes its members in again.
/// </summary>
internal sealed class ErsCluster : IAsyncDisposable
{
    /// <summary>How often a node renews its liveness key, and how long the key lives.</summary>
    internal static readonly TimeSpan BeatInterval = TimeSpan.FromSeconds(1);

    // 10 beats: a node stalled on a starved host (the cluster load run saw 2-3 s stalls at a load average of 16-50) is
    // not taken for dead. What waits for it is only another ems taking over a dead node's room, and the dead node's
    // members leaving their rooms; the same ems back takes its room over at once (its instance).
    internal static readonly TimeSpan NodeExpiry = TimeSpan.FromSeconds(10);

    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IClusterSink _sink;
    private readonly TimeSpan _sidExpiry;
    private readonly string _joinScript;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private Task _beats = Task.CompletedTask;
    private bool _subscribed; // the beat loop's, after the start
    private int _degraded;

    private ErsCluster(ConnectionMultiplexer redis, IClusterSink sink, TimeSpan sidExpiry, bool multiEmsRooms, TimeProvider time, ILogger logger)
    {
        _joinScript = multiEmsRooms ? ClusterScripts.JoinShared : ClusterScripts.Join;
        _redis = redis;
        _db = redis.GetDatabase();
        _sink = sink;
        _sidExpiry = sidExpiry;
        _time = time;
        _logger = logger;
        NodeId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _channel = RedisChannel.Literal(ClusterKeys.ChannelPrefix + NodeId);
    }

    /// <summary>This node's id in the cluster (random per start).</summary>
    public string NodeId { get; }

    /// <summary>Redis, for the admin state the nodes share (<see cref="ClusterTokenStore"/>).</summary>
    internal IDatabase Database => _db;

    internal ISubscriber Subscriber => _redis.GetSubscriber();

    /// <summary>Raised when Redis answers again after it did not (after this node's members are written in again); no I/O in it.</summary>
    internal event Action? Healed;

    /// <summary>True while Redis answers.</summary>
    public bool IsUp => Volatile.Read(ref _degraded) == 0 && _redis.IsConnected;

    /// <summary>
    /// Connects to Redis (<paramref name="configuration"/>, a StackExchange.Redis configuration string) and joins the
    /// cluster. Redis being down at start is not an error: the node starts alone and joins when Redis answers.
    /// <paramref name="multiEmsRooms"/>: rooms hold several EMS (<c>server.multiEmsRooms</c>, the same on every node).
    /// </summary>
    public static async Task<ErsCluster> StartAsync(
        string configuration, IClusterSink sink, TimeSpan sidExpiry, bool multiEmsRooms, TimeProvider time, ILogger logger)
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // start alone and keep trying, rather than fail the ERS
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 2000);
        options.ReconnectRetryPolicy ??= new LinearRetry(500);
        options.BacklogPolicy = BacklogPolicy.FailFast; // while Redis is away a call fails at once; it does not wait in a queue
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        ErsCluster cluster = new(redis, sink, sidExpiry, multiEmsRooms, time, logger);
        // Healed by the next beat that Redis answers, which also writes in what this node did alone meanwhile.
        redis.ConnectionFailed += (_, e) => cluster.Degrade(e.EndPoint, e.FailureType.ToString());
        if (await cluster.TrySubscribeAsync().ConfigureAwait(false))
        {
            ClusterLog.Joined(logger, cluster.NodeId, configuration.Split(',')[0]);
        }
        else
        {
            cluster.Degrade(null, "not connected at start");
        }

        cluster._beats = cluster.BeatLoopAsync();
        return cluster;
    }

    /// <summary>
    /// Adds <paramref name="member"/> to <paramref name="room"/> (ClusterScripts.Join, or JoinShared with
    /// multiEmsRooms); null when Redis did not answer, and the join is this node's alone.
    /// </summary>
    public async Task<ClusterJoin?> JoinAsync(string room, ClusterMember member, int maxPeers)
    {
        RedisResult[]? result = await EvaluateAsync(_joinScript,
            [ClusterKeys.RoomPrefix + room, ClusterKeys.PeersPrefix + NodeId],
            [member.Id, member.ToJson(), member.IsEms ? "1" : "0", member.Instance, maxPeers, room, ClusterKeys.NodePrefix,
                ClusterKeys.PeersPrefix]).ConfigureAwait(false);
        if (result is null)
        {
            return null;
        }

        string error = (string?)result[0] ?? "";
        if (error.Length > 0)
        {
            return new ClusterJoin(error, null, null, []);
        }

        if (!member.IsEms)
        {
            return new ClusterJoin(null, ClusterMember.TryParse((string?)result[1]), null, []);
        }

        List<ClusterMember> browsers = new(result.Length - 2);
        for (int i = 2; i < result.Length; i++)
        {
            if (ClusterMember.TryParse((string?)result[i]) is { } browser)
            {
                browsers.Add(browser);
            }
        }

        return new ClusterJoin(null, null, ClusterMember.TryParse((string?)result[1]), browsers);
    }

    /// <summary>
    /// Takes <paramref name="id"/> out of <paramref name="room"/>; the other nodes with members there hear
    /// <paramref name="removePayload"/> unless it is null. Not awaited by the caller: a socket that closes does not wait
    /// for Redis, and one Redis connection keeps the order of this node's commands.
    /// </summary>
    public Task LeaveAsync(string room, string id, string? removePayload) =>
        EvaluateAsync(ClusterScripts.Leave, [ClusterKeys.RoomPrefix + room, ClusterKeys.PeersPrefix + NodeId],
            [id, removePayload ?? "", ClusterKeys.ChannelPrefix, NodeId]);

    /// <summary>Stores an EMS's last load report in its room (ClusterScripts.SetLoad), for every node's joins to weigh.</summary>
    public Task SetLoadAsync(string room, string id, string load) =>
        EvaluateAsync(ClusterScripts.SetLoad, [ClusterKeys.RoomPrefix + room], [id, load]);

    /// <summary>Delivers <paramref name="payload"/> to <paramref name="to"/>'s node if it is in <paramref name="room"/>; null when Redis did not answer.</summary>
    public async Task<bool?> RelayAsync(string room, string to, string payload)
    {
        RedisResult[]? result = await EvaluateAsync(ClusterScripts.Relay, [ClusterKeys.RoomPrefix + room],
            [to, payload, ClusterKeys.ChannelPrefix]).ConfigureAwait(false);
        return result is null ? null : (int)result[0] == 1;
    }

    /// <summary>Sends <paramref name="payload"/> to <paramref name="node"/>'s channel (best effort: logged when Redis did not take it).</summary>
    public async Task PublishAsync(string node, string payload)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ClusterKeys.ChannelPrefix + node), payload).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Degrade(null, e.Message);
        }
    }

    /// <summary>
    /// A socket.io handshake this node answered: any node may open its websocket within the pending time. False when
    /// Redis did not take it (then only this node can open it).
    /// </summary>
    public async Task<bool> RegisterSidAsync(string sid, IPAddress ip)
    {
        try
        {
            return await _db.StringSetAsync(ClusterKeys.SidPrefix + sid, ip.ToString(), _sidExpiry).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Degrade(null, e.Message);
            return false;
        }
    }

    /// <summary>Claims a session another node handshook (once: the key goes); the client's address, or null.</summary>
    public async Task<IPAddress?> ClaimSidAsync(string sid)
    {
        try
        {
            RedisValue value = await _db.StringGetDeleteAsync(ClusterKeys.SidPrefix + sid).ConfigureAwait(false);
            return value.HasValue && IPAddress.TryParse(value.ToString(), out IPAddress? ip) ? ip : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Degrade(null, e.Message);
            return null;
        }
    }

    /// <summary>Sends the <c>drop</c> of a member another ems took the room over from, to its node.</summary>
    public Task DropAsync(ClusterMember member) => PublishAsync(member.Node, ClusterPayload.Drop(member.Id));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _beats.ConfigureAwait(false);
        try
        {
            // Gone at once rather than in NodeExpiry: the next beat of any node takes this node's members out.
            await _db.KeyDeleteAsync(ClusterKeys.NodePrefix + NodeId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
        }

        await _redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task<RedisResult[]?> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            RedisResult result = await _db.ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
            return result.Resp2Type == ResultType.Array ? (RedisResult[])result! : [result];
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Degrade(null, e.Message);
            return null;
        }
    }

    // Subscribes to this node's channel once (the client subscribes again by itself after a reconnect); false while
    // Redis does not answer, and the beat tries again.
    private async Task<bool> TrySubscribeAsync()
    {
        if (_subscribed)
        {
            return true;
        }

        try
        {
            ChannelMessageQueue queue = await _redis.GetSubscriber().SubscribeAsync(_channel).ConfigureAwait(false);
            // One message at a time, in the order Redis published them: a peer's offer comes before its candidates.
            queue.OnMessage(message => Deliver(message.Message));
            _subscribed = true;
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private void Deliver(RedisValue message)
    {
        try
        {
            _sink.Deliver(message.ToString());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ClusterLog.DeliveryFailed(_logger, NodeId, e.Message);
        }
    }

    private async Task BeatLoopAsync()
    {
        bool registered = false;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                registered = await BeatAsync(registered).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                registered = false;
                Degrade(null, e.Message);
            }

            try
            {
                await Task.Delay(BeatInterval, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Renews this node's key; when it had gone (Redis restarted, or it stalled past the expiry and another node took
    // this node's members out) or Redis had not answered (joins and leaves were this node's alone meanwhile), writes this
    // node's members in again. Then takes out the members of nodes that are gone.
    private async Task<bool> BeatAsync(bool registered)
    {
        // Both connections: the channel's too, or what other nodes send this node would be lost.
        if (!_redis.IsConnected || !await TrySubscribeAsync().ConfigureAwait(false) || !_redis.GetSubscriber().IsConnected(_channel))
        {
            return false;
        }

        bool wasDegraded = Volatile.Read(ref _degraded) == 1;
        RedisValue previous = await _db.StringSetAndGetAsync(ClusterKeys.NodePrefix + NodeId, 1, NodeExpiry).ConfigureAwait(false);
        await _db.SetAddAsync(ClusterKeys.Nodes, NodeId).ConfigureAwait(false);
        if (!previous.HasValue || wasDegraded)
        {
            if (registered)
            {
                ClusterLog.Rejoined(_logger, NodeId);
            }

            await ResyncAsync().ConfigureAwait(false);
        }

        Heal();
        foreach (RedisValue node in await _db.SetMembersAsync(ClusterKeys.Nodes).ConfigureAwait(false))
        {
            string id = node.ToString();
            if (id != NodeId && !await _db.KeyExistsAsync(ClusterKeys.NodePrefix + id).ConfigureAwait(false))
            {
                RedisResult reaped = await _db.ScriptEvaluateAsync(ClusterScripts.Reap,
                    [ClusterKeys.PeersPrefix + id, ClusterKeys.Nodes], [id, ClusterKeys.RoomPrefix]).ConfigureAwait(false);
                ClusterLog.NodeGone(_logger, id, NodeExpiry.TotalSeconds, (int)reaped);
            }
        }

        return true;
    }

    // Writes every member this node holds into Redis again. An EMS whose room another ems took meanwhile keeps serving
    // the browsers it has, and the log says so. Members Redis holds for this node that left meanwhile go, unannounced.
    private async Task ResyncAsync()
    {
        List<(string Room, ClusterMember Member)> members = _sink.LocalMembers(NodeId);
        HashSet<string> ids = new(members.Count, StringComparer.Ordinal);
        foreach ((string room, ClusterMember member) in members)
        {
            ids.Add(member.Id);
            if (await JoinAsync(room, member, int.MaxValue).ConfigureAwait(false) is { Error: { } error })
            {
                ClusterLog.ResyncRefused(_logger, member.Id, room, error);
            }
        }

        foreach (HashEntry held in await _db.HashGetAllAsync(ClusterKeys.PeersPrefix + NodeId).ConfigureAwait(false))
        {
            if (!ids.Contains(held.Name.ToString()))
            {
                await LeaveAsync(held.Value.ToString(), held.Name.ToString(), null).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A call to Redis failed: the node is alone until the next beat Redis answers (then <see cref="Healed"/>).</summary>
    internal void Degrade(string reason) => Degrade(null, reason);

    private void Degrade(EndPoint? endPoint, string reason)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            ClusterLog.Degraded(_logger, endPoint?.ToString() ?? "Redis", reason);
        }
    }

    private void Heal()
    {
        if (Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            ClusterLog.Healed(_logger, NodeId);
            Healed?.Invoke();
        }
    }
}

/// <summary>What a cluster join answered: a refusal, or the room's EMS (for a browser), or the EMS replaced and the browsers (for an EMS).</summary>
internal sealed record ClusterJoin(string? Error, ClusterMember? Ems, ClusterMember? Replaced, List<ClusterMember> Browsers);

/// <summary>What a node's channel delivers to its sockets, and the members it holds (RoomRegistry).</summary>
internal interface IClusterSink
{
    /// <summary>A payload (ClusterPayload) another node published to this node's channel.</summary>
    void Deliver(string payload);

    /// <summary>Every member this node holds, with its room.</summary>
    List<(string Room, ClusterMember Member)> LocalMembers(string node);
}
