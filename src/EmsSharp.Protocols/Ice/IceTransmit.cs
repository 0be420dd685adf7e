using System.Net;

namespace EmsSharp.Protocols.Ice;

/// <summary>
/// A datagram an <see cref="IceAgent"/> wants sent to <paramref name="Destination"/> from the local base
/// <paramref name="Base"/> (0 = the shared UDP socket; others as the owner registered them with
/// <see cref="IceAgent.AddBase"/>).
/// </summary>
public readonly record struct IceTransmit(byte[] Data, IPEndPoint Destination, int Base = 0);
