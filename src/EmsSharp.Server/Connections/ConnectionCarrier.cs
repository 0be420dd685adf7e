namespace EmsSharp.Server.Connections;

/// <summary>What carries a connection (EvoStream's carrier <c>type</c>).</summary>
internal enum ConnectionCarrier
{
    /// <summary>No socket: an internal source (EvoStream's carrier <c>null</c>, a "non-network protocol").</summary>
    None,

    /// <summary><c>IOHT_TCP_CARRIER</c>.</summary>
    Tcp,

    /// <summary><c>IOHT_UDP_CARRIER</c>.</summary>
    Udp,
}
