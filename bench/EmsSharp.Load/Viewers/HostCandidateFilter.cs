using System.Net;
using System.Net.NetworkInformation;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// Keeps a viewer on this machine when it cannot be held to loopback (Janus's libnice never gathers loopback, so
/// it offers the host's own addresses): only ICE candidates whose address belongs to one of this host's interfaces
/// are used, from the offer (RFC 8839 §5.1 <c>a=candidate</c> lines) and from trickle.
/// </summary>
internal static class HostCandidateFilter
{
    private static readonly Lazy<HashSet<IPAddress>> HostAddresses = new(ReadHostAddresses);

    /// <summary>True for a parsable candidate whose address is loopback or one of this host's addresses.</summary>
    public static bool IsThisHost(string candidate) =>
        IceCandidate.TryParse(candidate, out IceCandidate? c) && IPAddress.TryParse(c!.Address, out IPAddress? ip)
        && (IPAddress.IsLoopback(ip) || HostAddresses.Value.Contains(ip));

    /// <summary>The offer without the <c>a=candidate</c> lines of other machines.</summary>
    public static string FilterOffer(string sdp)
    {
        string[] lines = sdp.Split("\r\n");
        List<string> kept = new(lines.Length);
        foreach (string line in lines)
        {
            if (!line.StartsWith("a=candidate:", StringComparison.Ordinal) || IsThisHost(line))
            {
                kept.Add(line);
            }
        }

        return string.Join("\r\n", kept);
    }

    private static HashSet<IPAddress> ReadHostAddresses()
    {
        HashSet<IPAddress> addresses = [];
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (UnicastIPAddressInformation address in nic.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(address.Address);
            }
        }

        return addresses;
    }
}
