namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// The Lua scripts of the cluster (Redis <c>EVAL</c>): each change to a room runs as one script, so two nodes never see a
/// room half-changed (Redis runs a script alone, "Atomicity of scripts", redis.io/docs/latest/develop/programmability/eval-intro).
/// Keys and channels are those of <see cref="ClusterKeys"/>. A room is a hash: one field per member (its id, the value a
/// JSON object <c>{"id","n" (node),"e" (EMS),"i" (EMS instance),"s","t","o"}</c>) plus <c>!ems</c>, the id of its EMS.
/// Scripts reach keys built from arguments (a node's peers, another node's liveness), which one Redis allows and Redis
/// Cluster does not: the cluster runs on one Redis (with replicas if wanted), not on Redis Cluster.
/// </summary>
internal static class ClusterScripts
{
    /// <summary>
    /// KEYS: room, this node's peers. ARGV: id, member JSON, "1" for an EMS, its instance, the room's member cap, the
    /// room's name, the node-liveness key prefix, the node-peers key prefix.
    /// Returns <c>{error}</c> on refusal; for an EMS <c>{"", replaced EMS member or "", browser members...}</c>; for a
    /// browser <c>{"", the EMS member or ""}</c>.
    /// An EMS takes the room over from the one it holds when that is the same ems coming back (same instance, e.g.
    /// through another node after its node died) or when the holder's node is no longer alive (PROTOCOL.md §2.2: one EMS
    /// per room, the first keeps it).
    /// </summary>
    public const string Join = """
        local room, mine = KEYS[1], KEYS[2]
        local id, member, isEms, instance, max = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
        local count = redis.call('HLEN', room)
        local emsId = redis.call('HGET', room, '!ems')
        if emsId then count = count - 1 end
        local replaced = ''
        if isEms and emsId and emsId ~= id then
          local old = redis.call('HGET', room, emsId)
          local takeover = true
          if old then
            local o = cjson.decode(old)
            local same = instance ~= '' and o.i == instance
            if not same and redis.call('EXISTS', ARGV[7] .. o.n) == 1 then takeover = false end
            if takeover then redis.call('HDEL', ARGV[8] .. o.n, emsId) end
          end
          if not takeover then return {'room taken'} end
          redis.call('HDEL', room, emsId)
          count = count - 1
          replaced = old or ''
        end
        if redis.call('HEXISTS', room, id) == 0 and count >= max then return {'room full'} end
        redis.call('HSET', room, id, member)
        redis.call('HSET', mine, id, ARGV[6])
        if not isEms then
          local ems = ''
          if emsId then ems = redis.call('HGET', room, emsId) or '' end
          return {'', ems}
        end
        redis.call('HSET', room, '!ems', id)
        local out = {'', replaced}
        local all = redis.call('HGETALL', room)
        for i = 1, #all, 2 do
          if all[i] ~= '!ems' and all[i] ~= id then out[#out + 1] = all[i + 1] end
        end
        return out
        """;

    /// <summary>
    /// KEYS: room, the leaving peer's node's peers. ARGV: id, the <c>remove</c> payload (null when none is announced),
    /// the node-channel prefix, the leaving peer's node. The peer leaves its room; unless the payload is empty, every other
    /// node with a member in the room hears it. Returns 1 when the peer was in the room.
    /// </summary>
    public const string Leave = """
        local room, id = KEYS[1], ARGV[1]
        redis.call('HDEL', KEYS[2], id)
        if redis.call('HDEL', room, id) == 0 then return 0 end
        if redis.call('HGET', room, '!ems') == id then redis.call('HDEL', room, '!ems') end
        if ARGV[2] == '' then return 1 end
        local seen = {}
        seen[ARGV[4]] = true
        for _, v in ipairs(redis.call('HVALS', room)) do
          if string.sub(v, 1, 1) == '{' then
            local n = cjson.decode(v).n
            if not seen[n] then
              seen[n] = true
              redis.call('PUBLISH', ARGV[3] .. n, ARGV[2])
            end
          end
        end
        return 1
        """;

    /// <summary>
    /// KEYS: room. ARGV: the addressee's id, the payload, the node-channel prefix. Publishes the payload to the
    /// addressee's node when the addressee is in the room; returns 1 if so, else 0.
    /// </summary>
    public const string Relay = """
        local m = redis.call('HGET', KEYS[1], ARGV[1])
        if not m or string.sub(m, 1, 1) ~= '{' then return 0 end
        redis.call('PUBLISH', ARGV[3] .. cjson.decode(m).n, ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS: the dead node's peers, the node set. ARGV: the dead node, the room key prefix. Takes the dead node's members
    /// out of their rooms, without announcing them: their sockets are gone, but the media sessions they set up run
    /// directly and stay up (as when one ERS restarts; ErsState.Stop). Returns how many members went.
    /// </summary>
    public const string Reap = """
        local all = redis.call('HGETALL', KEYS[1])
        for i = 1, #all, 2 do
          local id, room = all[i], ARGV[2] .. all[i + 1]
          if redis.call('HDEL', room, id) == 1 and redis.call('HGET', room, '!ems') == id then
            redis.call('HDEL', room, '!ems')
          end
        end
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return #all / 2
        """;
}
