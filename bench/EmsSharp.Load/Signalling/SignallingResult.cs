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

    public double? LoadAverageStart { get; init; }

    public double? LoadAverageEnd { get; init; }
}
