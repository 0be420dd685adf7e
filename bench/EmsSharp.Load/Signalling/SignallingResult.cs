using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Load.Signalling;

/// <summary>What one <c>ems-load signalling</c> run measured (written as JSON by <c>--out</c>).</summary>
internal sealed record SignallingResult
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required int Clients { get; init; }

    public required int Rooms { get; init; }

    /// <summary>The ers nodes the clients were spread over (1 for one ers or a remote one).</summary>
    public int Nodes { get; init; } = 1;

    public required int JoinsOk { get; init; }

    public required int Failures { get; init; }

    public string? FirstFailure { get; init; }

    public required int HandshakeRetries { get; init; }

    public required double ConnectAllSeconds { get; init; }

    public LatencySummary? HandshakeLatency { get; init; }

    public LatencySummary? JoinLatency { get; init; }

    public required int MessagesSent { get; init; }

    public required int MessagesReturned { get; init; }

    public int MessagesLost => MessagesSent - MessagesReturned;

    /// <summary>Round trips whose browser and EMS were on different nodes: both relays of each crossed through Redis.</summary>
    public int RoundTripsCrossingNodes { get; init; }

    public required double RelaySeconds { get; init; }

    public LatencySummary? RelayLatency { get; init; }

    public required int HeartbeatsAnswered { get; init; }

    /// <summary>Server RSS before any client, after all joined, and after the relay phase (spawned ers only).</summary>
    public long? ServerRssBeforeBytes { get; init; }

    public long? ServerRssConnectedBytes { get; init; }

    public long? ServerRssAfterRelayBytes { get; init; }

    public double? RssPerConnectionKiB { get; init; }

    /// <summary>Server CPU (utime + stime) spent connecting and joining, per 1,000 clients.</summary>
    public double? ServerCpuSecondsPer1000Connections { get; init; }

    /// <summary>Server CPU spent in the relay phase, per 1,000 relayed round trips (two relays each).</summary>
    public double? ServerCpuSecondsPer1000RoundTrips { get; init; }

    /// <summary>Server CPU seconds (summed over the nodes) in the connect-and-join phase and in the relay phase.</summary>
    public double? ServerCpuSecondsJoinPhase { get; init; }

    public double? ServerCpuSecondsRelayPhase { get; init; }

    /// <summary>Redis commands (<c>total_commands_processed</c>) per successful join, over the join phase.</summary>
    public double? RedisCommandsPerJoin { get; init; }

    /// <summary>The same, per command (<c>INFO commandstats</c>), the busiest first.</summary>
    public IReadOnlyDictionary<string, double>? RedisCallsPerJoin { get; init; }

    /// <summary>Redis commands per relayed message over the relay phase; each round trip is two relays.</summary>
    public double? RedisCommandsPerRelay { get; init; }

    public IReadOnlyDictionary<string, double>? RedisCallsPerRelay { get; init; }

    /// <summary>redis-server's own CPU (<c>used_cpu_sys + used_cpu_user</c>) in each phase.</summary>
    public double? RedisCpuSecondsJoinPhase { get; init; }

    public double? RedisCpuSecondsRelayPhase { get; init; }

    public double? LoadAverageStart { get; init; }

    public double? LoadAverageEnd { get; init; }
}
