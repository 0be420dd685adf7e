namespace EmsSharp.Server.Api;

/// <summary>Options of the EMS command API (PROTOCOL.md §1.1).</summary>
internal sealed class ApiOptions
{
    /// <summary>ASCII CLI (telnet-friendly), TCP 1222 by default.</summary>
    public EndpointOptions AsciiCli { get; set; } = new() { Port = 1222 };

    /// <summary>JSON CLI (newline framed), TCP 1112 by default.</summary>
    public JsonCliOptions JsonCli { get; set; } = new() { Port = 1112 };

    /// <summary>HTTP API, TCP 7777 by default.</summary>
    public HttpEndpointOptions Http { get; set; } = new() { Port = 7777 };

    /// <summary>HTTP Basic auth user name; auth is required only when this and <see cref="Password"/> are set.</summary>
    public string? Username { get; set; }

    /// <summary>HTTP Basic auth password.</summary>
    public string? Password { get; set; }

    /// <summary>Longest accepted CLI line in bytes; a longer one gets a FAIL and the connection is closed.</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>Concurrent connections per CLI listener; further ones get a FAIL and are closed.</summary>
    public int MaxCliConnections { get; set; } = 64;

    /// <summary>Concurrent connections per client IP address and CLI listener, so that one address never takes every slot.</summary>
    public int MaxCliConnectionsPerIp { get; set; } = 32;

    /// <summary>A CLI connection that completes no line for this long is closed (bytes of an unfinished line do not count).</summary>
    public TimeSpan CliIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A CLI line must be complete this long after its first byte arrived, or the connection is closed.</summary>
    public TimeSpan CliLineTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When set, the first line on either CLI must be <c>auth &lt;password&gt;</c>.</summary>
    public string? CliPassword { get; set; }
}
