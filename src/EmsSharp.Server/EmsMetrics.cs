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

    /// <summary>Generic NACK messages (RFC 4585 §6.2.1) WHIP sessions sent for their publishers' missing video packets.</summary>
    public static readonly Counter<long> WhipNacks =
        Meter.CreateCounter<long>("ems.whip.nacks", description: "Generic NACKs sent to WHIP publishers for missing video packets");

    /// <summary>Video packets that reached a WHIP session after it NACKed them: the publishers' retransmissions.</summary>
    public static readonly Counter<long> WhipRetransmissions =
        Meter.CreateCounter<long>("ems.whip.retransmissions", description: "NACKed video packets WHIP publishers sent again");

    /// <summary>Missing video packets WHIP sessions gave up on (each asks for a keyframe).</summary>
    public static readonly Counter<long> WhipPacketsLost =
        Meter.CreateCounter<long>("ems.whip.packets_lost", description: "Missing WHIP video packets given up on");

    /// <summary>Counts one reply.</summary>
    public static Api.ApiReply Count(Api.ApiReply reply)
    {
        (reply.Success ? CommandsSucceeded : CommandsFailed).Add(1);
        return reply;
    }
}
