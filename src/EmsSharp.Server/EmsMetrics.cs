using System.Diagnostics.Metrics;

namespace EmsSharp.Server;

/// <summary>Counters of the <c>ems</c> control plane (meter <see cref="MeterName"/>), for the metrics exporter.</summary>
internal static class EmsMetrics
{
    public const string MeterName = "EmsSharp.Server";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>API commands answered SUCCESS.</summary>
    public static readonly Counter<long> CommandsSucceeded =
        Meter.CreateCounter<long>("ems.api.commands.succeeded", description: "API commands answered SUCCESS");

    /// <summary>API commands answered FAIL (bad syntax, unknown command, bad parameter, refused).</summary>
    public static readonly Counter<long> CommandsFailed =
        Meter.CreateCounter<long>("ems.api.commands.failed", description: "API commands answered FAIL");

    /// <summary>Events dropped because a sink's queue was full.</summary>
    public static readonly Counter<long> EventsDropped =
        Meter.CreateCounter<long>("ems.events.dropped", description: "Events dropped because a sink's queue was full");

    // WHIP loss recovery, summed over every session. Observable, so each series is exported from the start at 0 (a
    // dashboard's rate() has a series before the first loss), not only after its first measurement.
    private static long s_whipNacks;
    private static long s_whipRetransmissions;
    private static long s_whipPacketsLost;

    private static readonly ObservableCounter<long> WhipNacks = Meter.CreateObservableCounter("ems.whip.nacks",
        static () => Volatile.Read(ref s_whipNacks), description: "Generic NACKs sent to WHIP publishers for missing video packets");

    private static readonly ObservableCounter<long> WhipRetransmissions = Meter.CreateObservableCounter("ems.whip.retransmissions",
        static () => Volatile.Read(ref s_whipRetransmissions), description: "NACKed video packets WHIP publishers sent again");

    private static readonly ObservableCounter<long> WhipPacketsLost = Meter.CreateObservableCounter("ems.whip.packets_lost",
        static () => Volatile.Read(ref s_whipPacketsLost), description: "Missing WHIP video packets given up on");

    /// <summary>
    /// Counts a WHIP session's loss recovery: generic NACK messages sent (RFC 4585 §6.2.1), NACKed video packets that then
    /// came (the publisher's retransmissions), and missing ones given up on (each asks for a keyframe).
    /// </summary>
    public static void AddWhipRecovery(long nacks, long retransmissions, long packetsLost)
    {
        Interlocked.Add(ref s_whipNacks, nacks);
        Interlocked.Add(ref s_whipRetransmissions, retransmissions);
        Interlocked.Add(ref s_whipPacketsLost, packetsLost);
    }

    /// <summary>Counts one reply.</summary>
    public static Api.ApiReply Count(Api.ApiReply reply)
    {
        (reply.Success ? CommandsSucceeded : CommandsFailed).Add(1);
        return reply;
    }
}
