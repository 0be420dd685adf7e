using System.Globalization;
using System.Net;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// Options of <c>ems-load signalling</c>. Every run is bounded: at most <see cref="MaxClients"/> sockets and
/// <see cref="MaxDuration"/> of relaying, loopback targets only.
/// </summary>
internal sealed class SignallingOptions
{
    public const int MaxClients = 10_000;
    public const int MaxNodes = 4;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(120);

    /// <summary>Longest the connect-and-join phase may take before the run gives up on the rest.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long echoes still in flight are awaited after the last send.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The <c>ers</c> to load, e.g. <c>http://127.0.0.1:4545/</c>; null with <see cref="Spawn"/>.</summary>
    public Uri? Target { get; init; }

    /// <summary>Start <c>ers</c> as a child process on an ephemeral port and sample its RSS and CPU.</summary>
    public bool Spawn { get; init; }

    /// <summary>Path of <c>ers.dll</c> for <see cref="Spawn"/>; null finds the Release build in the source tree.</summary>
    public string? ErsDll { get; init; }

    /// <summary>Total socket.io clients: <see cref="Rooms"/> of them join as EMS, the rest as browsers.</summary>
    public int Clients { get; init; } = 5000;

    public int Rooms { get; init; } = 50;

    /// <summary>Relay phase length: each browser spreads its messages evenly over it.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public int MessagesPerClient { get; init; } = 10;

    /// <summary>Clients connecting at once (the connection ramp).</summary>
    public int Concurrency { get; init; } = 200;

    public string? OutPath { get; init; }

    /// <summary>Spawned <c>ers</c> processes sharing rooms through Redis (<c>server.redis</c>); 1 without Redis is one plain ers.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Start a redis-server of the run's own (loopback, nothing saved); implied by <see cref="Nodes"/> &gt; 1.</summary>
    public bool StartRedis { get; init; }

    /// <summary>An existing loopback Redis, <c>host:port</c>, instead of <see cref="StartRedis"/>.</summary>
    public Uri? RedisTarget { get; init; }

    public bool UsesRedis => StartRedis || RedisTarget is not null;

    public int Browsers => Clients - Rooms;

    /// <summary>
    /// The node client <paramref name="index"/> connects to: room r's EMS (client r) on node r mod K, its browsers
    /// round robin over the other K-1 nodes, so that with K &gt; 1 every relay crosses nodes and each node holds
    /// about as many sockets as the next.
    /// </summary>
    public static int NodeOf(int index, int rooms, int nodes)
    {
        int emsNode = index % rooms % nodes;
        if (index < rooms || nodes == 1)
        {
            return emsNode;
        }

        int ordinalInRoom = (index / rooms) - 1;
        return (emsNode + 1 + (ordinalInRoom % (nodes - 1))) % nodes;
    }

    public static bool TryParse(ReadOnlySpan<string> args, out SignallingOptions options, out string? error)
    {
        options = new SignallingOptions();
        error = null;
        Uri? target = null;
        Uri? redisTarget = null;
        bool spawn = false, startRedis = false;
        string? dll = null, output = null;
        int clients = 5000, rooms = -1, messages = 10, concurrency = 200, nodes = 1;
        double duration = 20;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--spawn")
            {
                spawn = true;
                continue;
            }

            if (name == "--redis")
            {
                startRedis = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return false;
            }

            string value = args[++i];
            bool ok = name switch
            {
                "--ers" => TryParseLoopback(value, out target),
                "--ers-dll" => (dll = value) is not null,
                "--clients" => TryInt(value, 2, MaxClients, out clients),
                "--rooms" => TryInt(value, 1, MaxClients / 2, out rooms),
                "--duration" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out duration)
                    && duration > 0 && duration <= MaxDuration.TotalSeconds,
                "--messages-per-client" => TryInt(value, 0, 1000, out messages),
                "--concurrency" => TryInt(value, 1, 1000, out concurrency),
                "--out" => (output = value) is not null,
                "--nodes" => TryInt(value, 1, MaxNodes, out nodes),
                "--redis-config" => TryParseLoopback(value, out redisTarget),
                _ => false,
            };
            if (!ok)
            {
                error = $"Bad option {name} {value} (clients 2..{MaxClients}, duration 0..{MaxDuration.TotalSeconds} s,"
                    + $" messages-per-client 0..1000, concurrency 1..1000, nodes 1..{MaxNodes},"
                    + " --ers and --redis-config must be a loopback host:port)";
                return false;
            }
        }

        if (spawn == (target is not null))
        {
            error = "Give exactly one of --ers 127.0.0.1:PORT or --spawn";
            return false;
        }

        if (startRedis && redisTarget is not null)
        {
            error = "Give at most one of --redis and --redis-config";
            return false;
        }

        if (!spawn && (nodes > 1 || startRedis || redisTarget is not null))
        {
            error = "--nodes, --redis and --redis-config need --spawn (the run starts the ers nodes on that Redis)";
            return false;
        }

        rooms = rooms < 0 ? Math.Max(1, clients / 100) : rooms;
        if (rooms * 2 > clients)
        {
            error = "--rooms must be at most half of --clients (each room needs an EMS and a browser)";
            return false;
        }

        options = new SignallingOptions
        {
            Target = target,
            Spawn = spawn,
            ErsDll = dll,
            Clients = clients,
            Rooms = rooms,
            Duration = TimeSpan.FromSeconds(duration),
            MessagesPerClient = messages,
            Concurrency = concurrency,
            OutPath = output,
            Nodes = nodes,
            StartRedis = startRedis || (nodes > 1 && redisTarget is null),
            RedisTarget = redisTarget,
        };
        return true;
    }

    /// <summary>Accepts <c>host:port</c> only when the host is a loopback address or <c>localhost</c>.</summary>
    internal static bool TryParseLoopback(string value, out Uri? uri)
    {
        uri = null;
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        string host = value[..colon].Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }

        if (!IPAddress.TryParse(host, out IPAddress? ip) || !IPAddress.IsLoopback(ip))
        {
            return false;
        }

        uri = new Uri(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{ip}]:{port}/" : $"http://{ip}:{port}/");
        return true;
    }

    internal static bool TryInt(string value, int min, int max, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
}
