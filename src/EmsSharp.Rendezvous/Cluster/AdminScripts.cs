namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// The Lua scripts of the admin state the nodes share (<see cref="ClusterTokenStore"/>): each runs alone in Redis
/// ("Atomicity of scripts", redis.io/docs/latest/develop/programmability/eval-intro), so a check and its change are one
/// step for the whole cluster. KEYS, in every script that takes them: <see cref="ClusterKeys.AdminFlags"/>,
/// <see cref="ClusterKeys.ViewerTokens"/>, <see cref="ClusterKeys.EmsTokens"/>, <see cref="ClusterKeys.AllowedRooms"/>.
/// </summary>
internal static class AdminScripts
{
    /// <summary>Everything at one instant: <c>{flags, viewer tokens, EMS tokens}</c> as field/value lists, then the rooms.</summary>
    public const string Read = """
        return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
          redis.call('SMEMBERS', KEYS[4])}
        """;

    /// <summary>
    /// Fills an empty Redis in with one node's state, once: the first node whose <c>HSETNX seededBy</c> succeeds writes,
    /// every other finds the marker and returns 0. ARGV: the node, <c>1</c>/<c>0</c> EMS token required, <c>1</c>/<c>0</c>
    /// rooms restricted, the number of viewer tokens, the number of EMS tokens, then the viewer tokens' (token, value)
    /// pairs, the EMS tokens' (token, room) pairs and the rooms.
    /// </summary>
    public const string Seed = """
        if redis.call('HSETNX', KEYS[1], 'seededBy', ARGV[1]) == 0 then return 0 end
        redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
        if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'emsTokenRequired', '1') end
        if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'roomsRestricted', '1') end
        local i = 6
        for _ = 1, tonumber(ARGV[4]) do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
        for _ = 1, tonumber(ARGV[5]) do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]); i = i + 2 end
        for j = i, #ARGV do redis.call('SADD', KEYS[4], ARGV[j]) end
        return 1
        """;

    /// <summary>
    /// One admin change. ARGV: the change (<see cref="AdminChange"/>'s name), the token or room, the room an EMS token is
    /// bound to (<c>""</c>: any), the admin channel. Returns 1 when made (and every node hears of it), 0 when there was
    /// nothing to do (exists, unknown), -1 when Redis holds no admin state (it restarted empty: a node fills it in first).
    /// The restrictions latch as on one node (TokenStore).
    /// </summary>
    public const string Change = """
        if redis.call('HEXISTS', KEYS[1], 'seededBy') == 0 then return -1 end
        local op, name, done = ARGV[1], ARGV[2], 0
        if op == 'AddViewerToken' then done = redis.call('HSETNX', KEYS[2], name, '')
        elseif op == 'RemoveViewerToken' then done = redis.call('HDEL', KEYS[2], name)
        elseif op == 'AddEmsToken' then
          done = redis.call('HSETNX', KEYS[3], name, ARGV[3])
          if done == 1 then redis.call('HSET', KEYS[1], 'emsTokenRequired', '1') end
        elseif op == 'RemoveEmsToken' then done = redis.call('HDEL', KEYS[3], name)
        elseif op == 'AddRoom' then
          redis.call('HSET', KEYS[1], 'roomsRestricted', '1')
          done = redis.call('SADD', KEYS[4], name)
        elseif op == 'RemoveRoom' then done = redis.call('SREM', KEYS[4], name)
        else return redis.error_reply('unknown admin change ' .. op) end
        if done == 1 then redis.call('PUBLISH', ARGV[4], op) end
        return done
        """;

    /// <summary>
    /// Binds a viewer token to its first client, once for the whole cluster (PROTOCOL.md §2.2: single-client): KEYS: the
    /// viewer tokens. ARGV: the token, the peer, its use (Unix ms), the admin channel. Returns the token's binding
    /// <c>FIRSTUSEMS:PEER</c> (this one, or the one an earlier use made), or nil when the token is unknown.
    /// </summary>
    public const string Consume = """
        local v = redis.call('HGET', KEYS[1], ARGV[1])
        if v == '' then
          v = ARGV[3] .. ':' .. ARGV[2]
          redis.call('HSET', KEYS[1], ARGV[1], v)
          redis.call('PUBLISH', ARGV[4], 'use')
        end
        return v
        """;
}

/// <summary>The admin API's changes, by the names <see cref="AdminScripts.Change"/> takes.</summary>
internal enum AdminChange
{
    AddViewerToken,
    RemoveViewerToken,
    AddEmsToken,
    RemoveEmsToken,
    AddRoom,
    RemoveRoom,
}
