using System.Globalization;
using EmsSharp.Interop.Tests.Nat;

namespace EmsSharp.Interop.Tests.Whip;

/// <summary>
/// A network namespace (needs root) joined to the host's by a veth pair, whose UDP out of the namespace is dropped at
/// random (iptables' statistic match: this kernel has no netem), for a publisher that must get through loss. The host
/// end is <see cref="HostAddress"/>, the namespace's <c>eth0</c> the other address of a /30 and its default route.
/// Deleting the namespace (<see cref="Dispose"/>) deletes both ends; a crashed run's namespace is deleted by the next.
/// </summary>
internal sealed class LossyLink : IDisposable
{
    private const string Prefix = "emswhip-";
    private static int s_sequence;
    private readonly string _ip = HostCommand.Tool("ip");

    private LossyLink(string name, string hostAddress, string namespaceAddress)
    {
        Name = name;
        HostAddress = hostAddress;
        NamespaceAddress = namespaceAddress;
    }

    /// <summary>The namespace.</summary>
    public string Name { get; }

    /// <summary>The host's end of the link: what the namespace reaches the host's listeners at.</summary>
    public string HostAddress { get; }

    /// <summary>The namespace's end.</summary>
    public string NamespaceAddress { get; }

    /// <summary>Makes the namespace and its link, dropping each UDP datagram it sends with <paramref name="probability"/>.</summary>
    public static LossyLink Create(double probability)
    {
        NetNsTopology.RemoveStale(Prefix);
        var sequence = Interlocked.Increment(ref s_sequence);
        var pid = Environment.ProcessId;
        var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{pid}-{sequence}");
        // 10.251.<x>.<4y>/30 from the process and the sequence, so two runs on one machine do not collide.
        var subnet = string.Create(CultureInfo.InvariantCulture, $"10.251.{pid % 250}.{sequence % 60 * 4}");
        var prefix = subnet[..subnet.LastIndexOf('.')];
        var last = int.Parse(subnet[(subnet.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture);
        var link = new LossyLink(name, $"{prefix}.{last + 1}", $"{prefix}.{last + 2}");
        try
        {
            link.Build(probability);
            return link;
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    /// <summary>The command line prefix that runs a program inside the namespace.</summary>
    public string[] Exec() => [_ip, "netns", "exec", Name];

    public void Dispose() => NetNsTopology.Delete(_ip, Name);

    private void Build(double probability)
    {
        var hostEnd = string.Create(CultureInfo.InvariantCulture, $"ewh{Environment.ProcessId % 100_000}-{s_sequence % 100}");
        Ip("netns", "add", Name);
        Ip("-n", Name, "link", "set", "lo", "up");
        Ip("link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", Name);
        Ip("addr", "add", HostAddress + "/30", "dev", hostEnd);
        Ip("link", "set", hostEnd, "up");
        Ip("-n", Name, "addr", "add", NamespaceAddress + "/30", "dev", "eth0");
        Ip("-n", Name, "link", "set", "eth0", "up");
        Ip("-n", Name, "route", "add", "default", "via", HostAddress);
        Ip("netns", "exec", Name, HostCommand.Tool("iptables"), "-A", "OUTPUT", "-p", "udp", "-m", "statistic", "--mode", "random",
            "--probability", probability.ToString(CultureInfo.InvariantCulture), "-j", "DROP");
    }

    private void Ip(params string[] arguments) => HostCommand.Run(_ip, arguments);
}
