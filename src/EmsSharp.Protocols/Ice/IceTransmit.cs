using System.Net;

namespace EmsSharp.Protocols.Ice;

/// <summary>A datagram an <see cref="IceAgent"/> wants sent.</summary>
public readonly record struct IceTransmit(byte[] Data, IPEndPoint Destination);
