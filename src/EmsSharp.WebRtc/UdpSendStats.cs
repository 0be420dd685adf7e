namespace EmsSharp.WebRtc;

/// <summary>How a UDP port's datagrams left.</summary>
/// <param name="Path"><c>sendmmsg+gso</c>, <c>sendmmsg</c> or <c>sendto</c> (see <see cref="UdpPortDriver.BatchedSendPath"/>).</param>
/// <param name="Datagrams">Datagrams sent (or handed to the kernel for segmentation).</param>
/// <param name="SystemCalls">The system calls that sent them.</param>
public readonly record struct UdpSendStats(string Path, long Datagrams, long SystemCalls);
