using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// Which peer addresses a relay may talk to (RFC 8656 §21.2.3, §21.2.4: a relay must not become a way
/// into the server's own networks). Refused by default: loopback, unspecified, link-local, multicast,
/// broadcast and reserved addresses, and the private ranges (10/8, 172.16/12, 192.168/16, 100.64/10,
/// fc00::/7) except the subnets the server itself sits on. Explicitly allowed ranges win over
/// everything; explicitly denied ranges are refused.
/// </summary>
public sealed class TurnPeerPolicy
{
    private static readonly IPNetwork[] Forbidden =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork[] Private =
    [
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7"),
    ];

    private readonly IPNetwork[] _ownSubnets;
    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _denied;

    /// <summary>Creates a policy.</summary>
    /// <param name="ownSubnets">The subnets of the server's own interfaces: private peers there are allowed.</param>
    /// <param name="allowed">Ranges always allowed (e.g. 127.0.0.0/8 for a test).</param>
    /// <param name="denied">Ranges always refused (unless also in <paramref name="allowed"/>).</param>
    public TurnPeerPolicy(IEnumerable<IPNetwork> ownSubnets, IEnumerable<IPNetwork> allowed, IEnumerable<IPNetwork> denied)
    {
        _ownSubnets = [.. ownSubnets];
        _allowed = [.. allowed];
        _denied = [.. denied];
    }

    /// <summary>The default policy with no own subnets and no lists.</summary>
    public static TurnPeerPolicy Default { get; } = new([], [], []);

    /// <summary>True when a relay may send to and receive from <paramref name="address"/>.</summary>
    public bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (Contains(_allowed, address))
        {
            return true;
        }

        if (Contains(_denied, address) || Contains(Forbidden, address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && (address.IsIPv6SiteLocal || address.IsIPv6Multicast))
        {
            return false;
        }

        return !Contains(Private, address) || Contains(_ownSubnets, address);
    }

    private static bool Contains(IPNetwork[] networks, IPAddress address)
    {
        foreach (IPNetwork network in networks)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
