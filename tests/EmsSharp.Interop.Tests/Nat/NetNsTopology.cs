using System.Globalization;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// A small internet made of network namespaces (needs root): an "internet" namespace holding a bridge, the ers
/// host on it at <see cref="ErsAddress"/>, and an ems side and a viewer side, each either a public host on the
/// bridge or a host on its own private LAN (ems 10.1.0.0/24, viewer 10.2.0.0/24) behind a NAT-router namespace
/// whose WAN is on the bridge. Addresses are from the documentation range 203.0.113.0/24; the default route of the
/// public hosts and routers is the internet namespace, which forwards nothing, so no packet leaves the namespaces
/// made here. Every veth is created directly inside its namespaces, so nothing appears in the host's namespace
/// (only a resolv.conf per namespace under /etc/netns). Names carry a prefix, the process id and a sequence
/// number; a run removes the stale namespaces of its prefix that a crashed run left behind, and
/// <see cref="Dispose"/> removes them all.
/// </summary>
internal sealed class NetNsTopology : IDisposable
{
    /// <summary>The ers host's public address.</summary>
    public const string ErsAddress = "203.0.113.10";

    private const string Prefix = "emsnat-";
    private const string InternetRouter = "203.0.113.1";
    private const string EtcNetns = "/etc/netns";
    private static int s_sequence;

    private readonly string _name;
    private readonly List<string> _namespaces = [];
    private readonly string _ip = HostCommand.Tool("ip");

    private NetNsTopology(string name, NetworkKind ems, NetworkKind viewer)
    {
        _name = name;
        Internet = name + "-inet";
        Ers = name + "-ers";
        Ems = name + "-ems";
        Viewer = name + "-viewer";
        EmsKind = ems;
        ViewerKind = viewer;
    }

    /// <summary>The namespace holding the internet bridge <c>br0</c> (ports <c>ers</c>, <c>ems</c>, <c>viewer</c>).</summary>
    public string Internet { get; }

    /// <summary>The ers host's namespace (<c>eth0</c> = <see cref="ErsAddress"/>).</summary>
    public string Ers { get; }

    /// <summary>The ems host's namespace (<c>eth0</c>).</summary>
    public string Ems { get; }

    /// <summary>The viewer host's namespace (<c>eth0</c>), where Chromium runs.</summary>
    public string Viewer { get; }

    public NetworkKind EmsKind { get; }

    public NetworkKind ViewerKind { get; }

    /// <summary>The ems side's NAT router namespace (<c>wan0</c>, <c>lan0</c>), or null when the ems is public.</summary>
    public string? EmsRouter => EmsKind == NetworkKind.Public ? null : _name + "-emsgw";

    /// <summary>The viewer side's NAT router namespace, or null when the viewer is public.</summary>
    public string? ViewerRouter => ViewerKind == NetworkKind.Public ? null : _name + "-viewergw";

    /// <summary>Builds the topology; a failure part way removes what was made and throws with the command's stderr.</summary>
    public static NetNsTopology Create(NetworkKind ems, NetworkKind viewer)
    {
        RemoveStale(Prefix);
        var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref s_sequence)}");
        var topology = new NetNsTopology(name, ems, viewer);
        try
        {
            topology.Build();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    /// <summary>The command line prefix that runs a program inside <paramref name="netns"/>.</summary>
    public string[] Exec(string netns) => [_ip, "netns", "exec", netns];

    /// <summary>Runs a short command inside <paramref name="netns"/>; a non-zero exit code throws with its stderr.</summary>
    public string RunIn(string netns, string fileName, params string[] arguments) =>
        HostCommand.Run(_ip, ["netns", "exec", netns, fileName, .. arguments]);

    /// <summary>The processes running inside <paramref name="netns"/>.</summary>
    public IReadOnlyList<string> Pids(string netns) =>
        HostCommand.Run(_ip, ["netns", "pids", netns]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Removes every namespace made here, first ending any process still inside one.</summary>
    public void Dispose()
    {
        for (var i = _namespaces.Count - 1; i >= 0; i--)
            Delete(_ip, _namespaces[i]);
        _namespaces.Clear();
    }

    private void Build()
    {
        // The internet's one router sits on the bridge and forwards nothing: whatever is not on 203.0.113.0/24
        // (a private address, the host's DNS server) ends there, as the internet drops private destinations.
        AddNamespace(Internet);
        Ip("-n", Internet, "link", "add", "br0", "type", "bridge");
        Ip("-n", Internet, "addr", "add", InternetRouter + "/24", "dev", "br0");
        Ip("-n", Internet, "link", "set", "br0", "up");

        AddPublicHost(Ers, "ers", ErsAddress);
        AddSide(Ems, EmsRouter, "ems", EmsKind, "203.0.113.20", "10.1.0");
        AddSide(Viewer, ViewerRouter, "viewer", ViewerKind, "203.0.113.30", "10.2.0");
    }

    private void AddSide(string host, string? router, string port, NetworkKind kind, string publicAddress, string lan)
    {
        if (router is null)
        {
            AddPublicHost(host, port, publicAddress);
            return;
        }

        // The router: WAN on the bridge, LAN towards the host, forwarding on, masquerading out of its WAN.
        AddPublicHost(router, port, publicAddress, "wan0");
        Sysctl(router, "net.ipv4.ip_forward=1");
        AddNamespace(host);
        Ip("-n", router, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", host);
        Ip("-n", router, "addr", "add", lan + ".1/24", "dev", "lan0");
        Ip("-n", router, "link", "set", "lan0", "up");
        Ip("-n", host, "addr", "add", lan + ".10/24", "dev", "eth0");
        Ip("-n", host, "link", "set", "eth0", "up");
        Ip("-n", host, "route", "add", "default", "via", lan + ".1");
        string[] masquerade = kind == NetworkKind.SymmetricNat
            ? ["-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE", "--random-fully"]
            : ["-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE"];
        Iptables(router, masquerade);
        if (kind == NetworkKind.DropsUdp)
            Iptables(router, "-A", "FORWARD", "-p", "udp", "-j", "DROP");
    }

    private void AddPublicHost(string netns, string bridgePort, string address, string device = "eth0")
    {
        AddNamespace(netns);
        Ip("-n", Internet, "link", "add", bridgePort, "type", "veth", "peer", "name", device, "netns", netns);
        Ip("-n", Internet, "link", "set", bridgePort, "master", "br0");
        Ip("-n", Internet, "link", "set", bridgePort, "up");
        Ip("-n", netns, "addr", "add", address + "/24", "dev", device);
        Ip("-n", netns, "link", "set", device, "up");
        Ip("-n", netns, "route", "add", "default", "via", InternetRouter);
    }

    private void AddNamespace(string netns)
    {
        Ip("netns", "add", netns);
        _namespaces.Add(netns);
        // `ip netns exec` mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf: name lookups (Chromium makes a
        // few) stay inside the namespace instead of going to the host's DNS server.
        Directory.CreateDirectory(Path.Combine(EtcNetns, netns));
        File.WriteAllText(Path.Combine(EtcNetns, netns, "resolv.conf"), "nameserver 127.0.0.1\n");
        Ip("-n", netns, "link", "set", "lo", "up");
        // Before any interface exists, so "default" covers them: no reverse-path filtering, IPv4 only.
        Sysctl(netns, "net.ipv4.conf.all.rp_filter=0");
        Sysctl(netns, "net.ipv4.conf.default.rp_filter=0");
        Sysctl(netns, "net.ipv6.conf.all.disable_ipv6=1");
        Sysctl(netns, "net.ipv6.conf.default.disable_ipv6=1");
    }

    private void Sysctl(string netns, string setting) => RunIn(netns, HostCommand.Tool("sysctl"), "-qw", setting);

    private void Iptables(string netns, params string[] rule) => RunIn(netns, HostCommand.Tool("iptables"), rule);

    private void Ip(params string[] arguments) => HostCommand.Run(_ip, arguments);

    /// <summary>
    /// Deletes the namespaces named <paramref name="prefix"/><c>&lt;pid&gt;-...</c> whose process is gone (left by a run
    /// that crashed).
    /// </summary>
    internal static void RemoveStale(string prefix)
    {
        var ip = HostCommand.Tool("ip");
        foreach (var line in HostCommand.Run(ip, ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var netns = line.Split(' ')[0];
            if (!netns.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            var pid = netns[prefix.Length..].Split('-')[0];
            if (pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture) && !Directory.Exists("/proc/" + pid))
                Delete(ip, netns);
        }
    }

    /// <summary>Kills what still runs in the namespace (children of a test, never anything else), then deletes it.</summary>
    internal static void Delete(string ip, string netns)
    {
        var (_, pids, _) = HostCommand.TryRun(ip, ["netns", "pids", netns]);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        HostCommand.TryRun(ip, ["netns", "del", netns]);
        if (Directory.Exists(Path.Combine(EtcNetns, netns)))
            Directory.Delete(Path.Combine(EtcNetns, netns), recursive: true);
        if (Directory.Exists(EtcNetns) && !Directory.EnumerateFileSystemEntries(EtcNetns).Any())
            Directory.Delete(EtcNetns);
    }
}
