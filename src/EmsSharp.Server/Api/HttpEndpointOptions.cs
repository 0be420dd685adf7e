namespace EmsSharp.Server.Api;

/// <summary>Where the HTTP API listens and whom it answers (docs/OPERATIONS.md, Exposure).</summary>
internal sealed class HttpEndpointOptions : EndpointOptions
{
    /// <summary>
    /// Host names (the <c>Host</c> header, port ignored) answered besides <c>localhost</c> and IP literals of the bound
    /// address (any IP literal when bound to 0.0.0.0 or ::); <c>*</c> answers every name. Other names get 403, which
    /// stops DNS rebinding.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Browser origins (<c>scheme://host[:port]</c>) whose pages may call the API; any other page gets 403.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>When true, commands that change the server need POST; when false (EvoStream-compatible) a GET no browser page sent also runs them.</summary>
    public bool RequirePostForChanges { get; set; }

    /// <summary>Connections the HTTP API holds at once; more are closed at accept.</summary>
    public int MaxConnections { get; set; } = 512;

    /// <summary>
    /// Connections one client address may hold at once, so one address never takes every slot; more are closed at
    /// accept. Local scripts all come from the loopback address, so this is also what they may open in parallel.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 128;
}
