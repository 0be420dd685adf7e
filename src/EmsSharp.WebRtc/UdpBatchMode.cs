namespace EmsSharp.WebRtc;

/// <summary>How the UDP port sends a batch of datagrams to one destination (<see cref="IPacketPath.SendBatch"/>).</summary>
public enum UdpBatchMode
{
    /// <summary>
    /// The fastest the OS offers: on Linux one <c>sendmmsg(2)</c> per batch, runs of equal-sized datagrams as one UDP
    /// GSO super-datagram each (<c>UDP_SEGMENT</c>, Linux 4.18); elsewhere, or where the calls are refused, one
    /// <c>sendto</c> per datagram.
    /// </summary>
    Auto,

    /// <summary>One <c>sendmmsg(2)</c> per batch without GSO (Linux); one <c>sendto</c> per datagram elsewhere.</summary>
    Sendmmsg,

    /// <summary>One <c>sendto</c> per datagram everywhere: the portable path.</summary>
    Off,
}
