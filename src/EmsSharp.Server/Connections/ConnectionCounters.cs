namespace EmsSharp.Server.Connections;

/// <summary>
/// A snapshot of <see cref="ConnectionRegistry"/>'s counters per carrier (EvoStream's <c>managedTcp</c>, <c>managedUdp</c>
/// and <c>managedNonTcpUdp</c>) and for all connections (<c>grandTotal</c>, whose <see cref="ConnectionCount.Max"/> is the
/// most connections of any kind open at once, not the sum of the kinds' maxima).
/// </summary>
internal sealed record ConnectionCounters(ConnectionCount Tcp, ConnectionCount Udp, ConnectionCount NonNetwork, ConnectionCount All);
