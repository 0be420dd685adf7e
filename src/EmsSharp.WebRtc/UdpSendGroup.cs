using System.Net;

namespace EmsSharp.WebRtc;

/// <summary>
/// One destination's share of a multi-destination send (<see cref="LinuxUdpBatchSender.Send(ReadOnlySpan{byte}, ReadOnlySpan{int}, ReadOnlySpan{UdpSendGroup})"/>):
/// the next <paramref name="Count"/> datagrams go to <paramref name="Address"/>, the serialized <paramref name="Destination"/>.
/// </summary>
internal readonly record struct UdpSendGroup(int Count, SocketAddress Address, IPEndPoint Destination);
