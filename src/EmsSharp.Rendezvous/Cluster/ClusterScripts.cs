namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// The Lua scripts of the cluster (Redis <c>EVAL</c>): each change to a room runs as one script, so two nodes never see a
/// room half-changed (Redis runs a script alone, "Atomicity of scripts", redis.io/docs/latest/develop/programmability/eval-intro).
/// Keys and channels are those of <see cref="ClusterKeys"/>. A room is a hash: one field per member (its id, the value a
/// JSON object <c>{"id","n" (node),"e" (EMS),"i" (EMS instance),"s","t","o"}</c>, and for a browser handed to an EMS
/// <c>"h"</c>, that EMS's id) plus <c>!ems</c>, the id of its EMS; with <c>server.multiEmsRooms</c> (ours) no <c>!ems</c>
/// but, per EMS, <c>!h:ID</c> (the browsers handed to it; written at its join, so a browser's join finds the EMS among
/// the field names without reading every member) and <c>!l:ID</c> (its last <c>emsLoad</c>, EmsLoad's JSON).
/// Fields that start with <c>!</c> are never members.
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
    /// <see cref="Join"/> with <c>server.multiEmsRooms</c> (ours; docs/OPERATIONS.md, "Several ems in one room"): same
    /// KEYS, ARGV and answers. An EMS is admitted beside the others (it replaces only the same ems's member, its
    /// instance) and is handed the browsers waiting (those of no EMS in the room, the replaced one's included); it gets
    /// them as for <see cref="Join"/>, and <c>!h:ID</c> is counted afresh. A browser is handed to one EMS by
    /// RoomRegistry's rule (EmsLoad.Choose: not full; having its stream, or never reported or listing "more", if any; fewest handed, or
    /// handed/maxViewers when each reported a cap; lower cpu; lower id), <c>{'room full'}</c> when every EMS is full;
    /// a browser written in again with its <c>h</c> (a node's resync) keeps it.
    /// </summary>
    public const string JoinShared = """
        local room, mine = KEYS[1], KEYS[2]
        local id, member, isEms, instance, max = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
        local count, emss = 0, {}
        for _, f in ipairs(redis.call('HKEYS', room)) do
          if string.sub(f, 1, 1) ~= '!' then count = count + 1
          elseif string.sub(f, 1, 3) == '!h:' then emss[#emss + 1] = string.sub(f, 4) end
        end
        local function isEmsId(e) return e and redis.call('HEXISTS', room, '!h:' .. e) == 1 end
        local oldRaw = redis.call('HGET', room, id)
        local old = oldRaw and cjson.decode(oldRaw)
        if isEms then
          local replaced, replacedRaw = '', ''
          if instance ~= '' then
            for _, e in ipairs(emss) do
              local r = redis.call('HGET', room, e)
              if e ~= id and r and cjson.decode(r).i == instance then replaced, replacedRaw = e, r end
            end
          end
          if replaced ~= '' then count = count - 1 end
          if not old and count >= max then return {'room full'} end
          local out = {'', replacedRaw}
          if replaced ~= '' then
            redis.call('HDEL', ARGV[8] .. cjson.decode(replacedRaw).n, replaced)
            redis.call('HDEL', room, replaced, '!h:' .. replaced, '!l:' .. replaced)
          end
          redis.call('HSET', room, id, member)
          redis.call('HSET', mine, id, ARGV[6])
          redis.call('HSET', room, '!h:' .. id, 0)
          local handed = 0
          local all = redis.call('HGETALL', room)
          for i = 1, #all, 2 do
            if string.sub(all[i], 1, 1) ~= '!' then
              local raw = all[i + 1]
              local m = cjson.decode(raw)
              if not m.e then
                if not isEmsId(m.h) then
                  m.h = id
                  raw = cjson.encode(m)
                  redis.call('HSET', room, all[i], raw)
                end
                if m.h == id then
                  handed = handed + 1
                  out[#out + 1] = raw
                end
              end
            end
          end
          redis.call('HSET', room, '!h:' .. id, handed)
          return out
        end
        if not old and count >= max then return {'room full'} end
        local m = cjson.decode(member)
        if old and old.h and old.h ~= m.h and isEmsId(old.h) then redis.call('HINCRBY', room, '!h:' .. old.h, -1) end
        if not m.h then
          local open, having = {}, {}
          for _, e in ipairs(emss) do
            local l = redis.call('HGET', room, '!l:' .. e)
            l = l and cjson.decode(l)
            if not (l and l.full) then
              local c = {id = e, l = l, h = tonumber(redis.call('HGET', room, '!h:' .. e) or '0')}
              open[#open + 1] = c
              local has = not l or l.more
              if l then
                for _, s in ipairs(l.streams) do if s == m.s then has = true end end
              end
              if has then having[#having + 1] = c end
            end
          end
          if #emss > 0 and #open == 0 then return {'room full'} end
          local cands = open
          if #having > 0 then cands = having end
          local capped = true
          for _, c in ipairs(cands) do
            if not (c.l and c.l.maxViewers > 0) then capped = false end
          end
          local best
          for _, c in ipairs(cands) do
            local better = not best
            if best then
              local a, b
              if capped then a, b = c.h * best.l.maxViewers, best.h * c.l.maxViewers else a, b = c.h, best.h end
              local ca, cb = (c.l and c.l.cpu) or 0, (best.l and best.l.cpu) or 0
              better = a < b or (a == b and (ca < cb or (ca == cb and c.id < best.id)))
            end
            if better then best = c end
          end
          if best then m.h = best.id end
        end
        if m.h and isEmsId(m.h) and not (old and old.h == m.h) then redis.call('HINCRBY', room, '!h:' .. m.h, 1) end
        redis.call('HSET', room, id, cjson.encode(m))
        redis.call('HSET', mine, id, ARGV[6])
        if isEmsId(m.h) then return {'', redis.call('HGET', room, m.h)} end
        return {'', ''}
        """;

    /// <summary>
    /// KEYS: room. ARGV: the EMS's id, its load (EmsLoad's JSON). Stores the load as the room's
    /// <c>!l:ID</c> while the EMS is a member (ours, <c>server.multiEmsRooms</c>); returns 1 if so, else 0.
    /// </summary>
    public const string SetLoad = """
        local m = redis.call('HGET', KEYS[1], ARGV[1])
        if not m or string.sub(ARGV[1], 1, 1) == '!' or not cjson.decode(m).e then return 0 end
        redis.call('HSET', KEYS[1], '!l:' .. ARGV[1], ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS: room, the leaving peer's node's peers. ARGV: id, the <c>remove</c> payload (null when none is announced),
    /// the node-channel prefix, the leaving peer's node. The peer leaves its room; unless the payload is empty, every other
    /// node with a member in the room hears it. Returns 1 when the peer was in the room. A browser handed to an EMS
    /// counts no more in its <c>!h:ID</c>; an EMS's <c>!h:</c> and <c>!l:</c> go with it (multiEmsRooms).
    /// </summary>
    public const string Leave = """
        local room, id = KEYS[1], ARGV[1]
        redis.call('HDEL', KEYS[2], id)
        """ + ForgetMember + """
        if not gone then return 0 end
        if ARGV[2] == '' then return 1 end
        local seen = {}
        seen[ARGV[4]] = true
        local all = redis.call('HGETALL', room)
        for i = 1, #all, 2 do
          if string.sub(all[i], 1, 1) ~= '!' then
            local n = cjson.decode(all[i + 1]).n
            if not seen[n] then
              seen[n] = true
              redis.call('PUBLISH', ARGV[3] .. n, ARGV[2])
            end
          end
        end
        return 1
        """;

    // Lua (room, id set): takes the member out of the room, with its EMS role and what is counted of it; sets gone.
    private const string ForgetMember = """

        local gone = false
        local left = redis.call('HGET', room, id)
        if left and string.sub(id, 1, 1) ~= '!' then
          gone = true
          redis.call('HDEL', room, id, '!h:' .. id, '!l:' .. id)
          if redis.call('HGET', room, '!ems') == id then redis.call('HDEL', room, '!ems') end
          local h = cjson.decode(left).h
          if h and redis.call('HEXISTS', room, '!h:' .. h) == 1 then redis.call('HINCRBY', room, '!h:' .. h, -1) end
        end

        """;

    /// <summary>
    /// KEYS: room. ARGV: the addressee's id, the payload, the node-channel prefix. Publishes the payload to the
    /// addressee's node when the addressee is in the room; returns 1 if so, else 0.
    /// </summary>
    public const string Relay = """
        local m = redis.call('HGET', KEYS[1], ARGV[1])
        if not m or string.sub(ARGV[1], 1, 1) == '!' then return 0 end
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
        """ + ForgetMember + """
        end
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return #all / 2
        """;
}
