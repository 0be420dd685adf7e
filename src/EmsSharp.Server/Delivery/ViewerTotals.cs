namespace EmsSharp.Server.Delivery;

/// <summary>Sums of <see cref="ViewerTrafficCounters"/> over several viewers (<see cref="OutboundStreamRegistry.Totals"/>).</summary>
internal readonly record struct ViewerTotals(
    long Bytes, long Retransmissions, long Nacks, long Plis, long Firs, long ReceptionReports, long PacketsLost)
{
    /// <summary>These sums with one more viewer's counters.</summary>
    public ViewerTotals Plus(ViewerTrafficCounters counters) => new(
        Bytes + counters.Bytes,
        Retransmissions + counters.Retransmissions,
        Nacks + counters.Nacks,
        Plis + counters.Plis,
        Firs + counters.Firs,
        ReceptionReports + counters.ReceptionReports,
        PacketsLost + counters.PacketsLost);
}
