namespace EmsSharp.Server.Connections;

/// <summary>
/// The counters of one kind of connection (EvoStream's <c>BaseFdStats</c>, shared/EVOSTREAM-API.md §4
/// <c>getExtendedConnectionCounters</c>): open now, the most open at once and how many opened, since the start or since the
/// last reset of each, and the bytes they received and sent since the start.
/// </summary>
internal readonly record struct ConnectionCount(long Current, long Max, long Total, long ReceivedBytes, long SentBytes);
