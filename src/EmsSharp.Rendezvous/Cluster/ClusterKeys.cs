namespace EmsSharp.Rendezvous.Cluster;

/// <summary>The Redis keys and channels of the cluster (docs/OPERATIONS.md, "Scaling out", lists them with their expiry).</summary>
internal static class ClusterKeys
{
    /// <summary>Prefix of a room's hash (<c>ers:room:NAME</c>): its members and <c>!ems</c>.</summary>
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
}
