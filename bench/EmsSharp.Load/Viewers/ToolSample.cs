namespace EmsSharp.Load.Viewers;

/// <summary>
/// The load tool's own state at one moment: its CPU seconds (utime + stime), the drops of its viewers' sockets
/// (<c>/proc/net/udp</c>) and the network namespace's UDP <c>RcvbufErrors</c> (<c>/proc/net/snmp</c>); null where unreadable.
/// </summary>
internal readonly record struct ToolSample(double CpuSeconds, long? SocketDrops, long? RcvbufErrors);
