using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Rendezvous.Configuration;

/// <summary>The ERS configuration, <c>config/default.json</c> (PROTOCOL.md §2.1). Defaults work with no file.</summary>
public sealed class ErsOptions
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The <c>server</c> section.</summary>
    public ErsServerOptions Server { get; set; } = new();

    /// <summary>Rooms allowed; empty means any room.</summary>
    public List<string> AllowedRooms { get; set; } = [];

    /// <summary>Tokens an EMS must present: bare strings admit any allowed room, <c>{"token","room"}</c> one room.</summary>
    public List<EmsTokenOptions> EmsTokens { get; set; } = [];

    /// <summary>Viewer tokens known at start (ours; the admin API adds more).</summary>
    public List<string> Tokens { get; set; } = [];

    /// <summary>STUN entries handed to every client on connect.</summary>
    public List<JsonElement> StunServers { get; set; } = [];

    /// <summary>TURN entries handed to every client on connect (<c>secret</c> entries get minted credentials).</summary>
    public List<JsonElement> TurnServers { get; set; } = [];

    /// <summary>
    /// File keeping what the admin API changed (rooms, tokens, EMS tokens) across restarts (ours); relative
    /// to the config file's folder; null or empty keeps changes in memory only.
    /// </summary>
    public string? StateFile { get; set; } = "ers-state.json";

    /// <summary>The bundled STUN/TURN server (ours).</summary>
    public ErsTurnOptions Turn { get; set; } = new();

    /// <summary>Limits on everything a client controls (ours).</summary>
    public ErsLimitsOptions Limits { get; set; } = new();

    /// <summary>The Prometheus metrics endpoint (ours; off by default).</summary>
    public ErsMetricsOptions Metrics { get; set; } = new();

    /// <summary>The folder relative paths (key, cert, webRoot) are resolved against; the config file's folder.</summary>
    [JsonIgnore]
    public string BaseDirectory { get; set; } = AppContext.BaseDirectory;

    /// <summary>
    /// <c>ers --help</c>: the usage, then every key with its default as the JSON of <c>config/default.json</c> (so the output,
    /// saved and edited, is a configuration).
    /// </summary>
    public static string HelpText() => """
        Usage: ers [--config path/to/default.json]

        With no --config, config/default.json next to the executable is read when present, else the built-in defaults.
        Each key and what it does: docs/OPERATIONS.md ("ers"). The defaults, as a configuration file:

        """ + JsonSerializer.Serialize(new ErsOptions(), HelpJson) + Environment.NewLine;

    private static readonly JsonSerializerOptions HelpJson = new()
    {
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>Loads and validates a configuration file.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a value is out of range.</exception>
    public static ErsOptions Load(string path)
    {
        ErsOptions? options;
        try
        {
            options = JsonSerializer.Deserialize<ErsOptions>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        options ??= new ErsOptions();
        options.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? AppContext.BaseDirectory;
        options.Validate();
        return options;
    }

    /// <summary>Checks ranges; throws <see cref="InvalidDataException"/> naming the bad value.</summary>
    public void Validate()
    {
        Server ??= new ErsServerOptions();
        Limits ??= new ErsLimitsOptions();
        Turn ??= new ErsTurnOptions();
        Metrics ??= new ErsMetricsOptions();
        CheckPort(Server.Port, "server.port");
        CheckPort(Metrics.Port, "metrics.port");
        if (!System.Net.IPAddress.TryParse(Metrics.BindIP, out _))
        {
            throw new InvalidDataException($"metrics.bindIP is not an IP address: {Metrics.BindIP}");
        }

        if (Metrics.MaxConnections is < 1 or > 10_000)
        {
            throw new InvalidDataException($"metrics.maxConnections must be 1..10000, got {Metrics.MaxConnections}");
        }

        CheckPort(Server.AdminPort, "server.adminPort");
        if (!System.Net.IPAddress.TryParse(Server.AdminIP, out _))
        {
            throw new InvalidDataException($"server.adminIP is not an IP address: {Server.AdminIP}");
        }

        if (Server.AdminBindIP is not null && !System.Net.IPAddress.TryParse(Server.AdminBindIP, out _))
        {
            throw new InvalidDataException($"server.adminBindIP is not an IP address: {Server.AdminBindIP}");
        }

        if (!System.Net.IPAddress.TryParse(Server.BindIP, out _))
        {
            throw new InvalidDataException($"server.bindIP is not an IP address: {Server.BindIP}");
        }

        if (Server.HeartbeatInterval <= 0 || Server.HeartbeatTimeout <= Server.HeartbeatInterval || Server.CloseTimeout <= 0)
        {
            throw new InvalidDataException("server.heartbeatInterval must be > 0 and below heartbeatTimeout; closeTimeout > 0");
        }

        if (Server.Redis is { } redis)
        {
            CheckRedis(redis);
        }

        if (EmsTokens.Exists(t => string.IsNullOrEmpty(t?.Token) || t.Room is { Length: 0 }))
        {
            throw new InvalidDataException("emsTokens: every entry needs a non-empty token, and a room, when given, a name");
        }

        Limits.Validate();
        Turn.Validate();
    }

    /// <summary>Resolves a configured path against <see cref="BaseDirectory"/>.</summary>
    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.Combine(BaseDirectory, path);

    private static void CheckRedis(string redis)
    {
        StackExchange.Redis.ConfigurationOptions parsed;
        try
        {
            parsed = StackExchange.Redis.ConfigurationOptions.Parse(redis);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"server.redis is not a Redis configuration string (host:port[,option=value...]): {e.Message}", e);
        }

        if (redis.Length > 1024 || parsed.EndPoints.Count == 0)
        {
            throw new InvalidDataException("server.redis must name at least one host:port, in at most 1024 characters");
        }
    }

    private static void CheckPort(int port, string name)
    {
        if (port is < 0 or > 65535)
        {
            throw new InvalidDataException($"{name} must be 0..65535 (0 = any free port), got {port}");
        }
    }
}
