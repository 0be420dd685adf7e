namespace EmsSharp.Rendezvous.Cluster;

/// <summary>Source-generated log messages of the cluster.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(101, LogLevel.Information, "ERS cluster: node {Node} joined through Redis {Redis}")]
    public static partial void Joined(ILogger logger, string node, string redis);

    [LoggerMessage(102, LogLevel.Warning, "ERS cluster degraded: {Redis} does not answer ({Reason}); this node serves its own sockets alone (its rooms do not see other nodes' members) until Redis is back")]
    public static partial void Degraded(ILogger logger, string redis, string reason);

    [LoggerMessage(103, LogLevel.Warning, "ERS cluster healed: Redis answers again; node {Node} wrote its members in again")]
    public static partial void Healed(ILogger logger, string node);

    [LoggerMessage(104, LogLevel.Information, "ERS cluster: node {Node} is gone (no beat for {Seconds} s); {Members} of its members taken out of their rooms")]
    public static partial void NodeGone(ILogger logger, string node, double seconds, int members);

    [LoggerMessage(105, LogLevel.Warning, "ERS cluster: node {Node}'s liveness key had expired (Redis restarted, or this node stalled); its members were written in again")]
    public static partial void Rejoined(ILogger logger, string node);

    [LoggerMessage(106, LogLevel.Warning, "ERS cluster: member {Peer} of room {Room} not written back after Redis returned: {Reason}; it keeps being served by this node alone")]
    public static partial void ResyncRefused(ILogger logger, string peer, string room, string reason);

    [LoggerMessage(107, LogLevel.Warning, "ERS cluster: node {Node} could not deliver what another node sent: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string node, string reason);

    [LoggerMessage(108, LogLevel.Information, "ERS cluster: node {Node} ({When}) filled Redis in with the admin state from {Source}: {Tokens} viewer tokens, {EmsTokens} EMS tokens, {Rooms} allowed rooms")]
    public static partial void AdminSeeded(ILogger logger, string node, string when, string source, int tokens, int emsTokens, int rooms);

    [LoggerMessage(109, LogLevel.Information, "ERS cluster: node {Node} ({When}) took the admin state from Redis: {Tokens} viewer tokens, {EmsTokens} EMS tokens, {Rooms} allowed rooms")]
    public static partial void AdminTaken(ILogger logger, string node, string when, int tokens, int emsTokens, int rooms);

    [LoggerMessage(110, LogLevel.Warning, "ERS cluster: a viewer token was used by {Peer} on this node while Redis was away, and by {Other} through another node; both keep the sessions they have, only {Other} may join with it again")]
    public static partial void TokenUsedTwice(ILogger logger, string peer, string other);
}
