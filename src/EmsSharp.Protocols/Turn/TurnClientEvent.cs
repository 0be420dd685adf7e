using System.Net;

namespace EmsSharp.Protocols.Turn;

/// <summary>An event a <see cref="TurnClient"/> reports: an allocation, a peer's datagram, or a failure.</summary>
public readonly record struct TurnClientEvent(TurnClientEventKind Kind, IPEndPoint? Peer = null, byte[]? Data = null, string? Reason = null);
