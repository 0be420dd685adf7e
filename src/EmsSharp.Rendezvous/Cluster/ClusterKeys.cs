namespace EmsSharp.Rendezvous.Cluster;

/// <summary>The Redis keys and channels of the cluster (docs/OPERATIONS.md, "Scaling out", lists them with their expiry).</summary>
internal static class ClusterKeys
{
    /// <summary>Prefix of a room's hash (<c>ers:room:NAME</c>): its members and <c>!ems</c> (with multiEmsRooms, <c>!h:ID</c> and <c>!l:ID</c>).</summary>
    public const string RoomPrefix = "ers:room:";

    /// <summary>Prefix of a node's liveness key (<c>ers:node:ID</c>), set with a 10 s expiry and renewed every second.</summary>
    public const string NodePrefix = "ers:node:";

    /// <summary>Prefix of a node's peers hash (<c>ers:peers:ID</c>: peer id to room), for taking a dead node's members out.</summary>
    public const string PeersPrefix = "ers:peers:";

    /// <summary>Prefix of a node's pub/sub channel (<c>ers:to:ID</c>): what other nodes deliver to its sockets.</summary>
    public const string ChannelPrefix = "ers:to:";

    /// <summary>Prefix of a handshaken socket.io session (<c>ers:sid:SID</c>, the client's address), for any node to claim.</summary>
    public const string SidPrefix = "ers:sid:";

    /// <summary>The set of node ids that have joined the cluster and not been reaped.</summary>
    public const string Nodes = "ers:nodes";

    /// <summary>The viewer tokens (hash: token to <c>""</c> while unused, else <c>FIRSTUSEMS:PEER</c>); no expiry.</summary>
    public const string ViewerTokens = "ers:tokens";

    /// <summary>The EMS tokens (hash: token to the room it is bound to, <c>""</c> for any room); no expiry.</summary>
    public const string EmsTokens = "ers:emstokens";

    /// <summary>The allowed rooms (set); no expiry.</summary>
    public const string AllowedRooms = "ers:rooms";

    /// <summary>
    /// The admin state's flags (hash): <c>seededBy</c> (the node that filled the admin state in: its presence says Redis
    /// holds it), <c>emsTokenRequired</c> and <c>roomsRestricted</c> (<c>1</c> once latched); no expiry.
    /// </summary>
    public const string AdminFlags = "ers:admin:flags";

    /// <summary>The channel every node hears when the admin state changed (a token added, removed or used).</summary>
    public const string AdminChannel = "ers:admin";
}
