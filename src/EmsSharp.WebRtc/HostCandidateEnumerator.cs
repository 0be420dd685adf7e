using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.WebRtc;

/// <summary>Builds host candidates (RFC 8445 §5.1.1.1) for the shared port from the usable interfaces.</summary>
internal static class HostCandidateEnumerator
{
    public static List<IceCandidate> Enumerate(UdpPortDriverOptions options, int port)
    {
        var addresses = new List<IPAddress>();
        if (options.CandidateAddresses is { Count: > 0 } explicitAddresses)
        {
            addresses.AddRange(explicitAddresses);
        }
        else if (!options.BindAddress.Equals(IPAddress.Any))
        {
            addresses.Add(options.BindAddress);
        }
        else
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var u in nic.GetIPProperties().UnicastAddresses)
                {
                    var a = u.Address;
                    if (a.AddressFamily == AddressFamily.InterNetwork && (options.IncludeLoopback || !IPAddress.IsLoopback(a)))
                    {
                        addresses.Add(a);
                    }
                }
            }
        }

        var candidates = new List<IceCandidate>(addresses.Count);
        for (var i = 0; i < addresses.Count; i++)
        {
            // RFC 8445 §5.1.2.1: distinct local preferences, the first address preferred.
            var priority = IceCandidate.ComputePriority(IceCandidateType.Host, 65535 - i, 1);
            candidates.Add(new IceCandidate("h" + i, 1, priority, addresses[i].ToString(), port, IceCandidateType.Host));
        }

        return candidates;
    }
}
