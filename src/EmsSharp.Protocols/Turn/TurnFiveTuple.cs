using System.Net;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// The client-to-server 5-tuple that names an allocation (RFC 8656 §2): the transport, the client's
/// address as the server sees it, and the server address the client reached.
/// </summary>
/// <param name="Transport">UDP, TCP or TLS.</param>
/// <param name="Client">The client's (server-reflexive) transport address.</param>
/// <param name="Server">The local address and port the client's packets arrived on.</param>
public readonly record struct TurnFiveTuple(TurnTransport Transport, IPEndPoint Client, IPEndPoint Server);
