namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// WHEP playback (<c>POST http://&lt;ems&gt;:8889/&lt;stream&gt;/whep</c>, draft-ietf-wish-whep, with the HTTP usage of
/// WHIP, RFC 9725), bound from the <c>Whep</c> section.
/// </summary>
internal sealed class WhepOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Whep";

    /// <summary>Whether the WHEP listener runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listening address: every IPv4 interface, as the media ports (WHEP players are on other machines).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Listening port (MediaMTX's WHEP port); 0 picks a free one (tests; see <see cref="WhepEndpoint.BoundEndPoint"/>).</summary>
    public int Port { get; set; } = 8889;

    /// <summary>
    /// Read keys by stream name (<c>*</c> for any other name), presented as <c>Authorization: Bearer &lt;key&gt;</c>
    /// (RFC 9725 §4.5). Empty: anyone may play any stream, as over WS-FMP4 without keys.
    /// </summary>
    public Dictionary<string, string> ReadKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Browser origins whose pages may use the endpoint (CORS); <c>*</c> (the default) any page, since WHEP players are
    /// pages of any site. A request from another origin gets 403.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = ["*"];

    /// <summary>
    /// STUN and TURN servers handed to players in <c>Link: rel="ice-server"</c> headers (RFC 9725 §4.6); the STUN ones (and
    /// TURN over UDP) also tell the ems its public address, offered in the answer as a server-reflexive candidate.
    /// </summary>
    public List<WhepIceServer> IceServers { get; set; } = [];

    /// <summary>WHEP sessions one remote address may hold at once; more get 429.</summary>
    public int MaxSessionsPerAddress { get; set; } = 64;

    /// <summary>WHEP sessions the server holds at once; more get 503.</summary>
    public int MaxSessions { get; set; } = 2048;

    /// <summary>TCP connections one remote address may hold on the listener; more are closed at accept.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 128;

    /// <summary>The largest offer (or trickle fragment) accepted, in bytes; a larger one gets 413.</summary>
    public int MaxSdpBytes { get; set; } = 64 * 1024;
}

/// <summary>One STUN or TURN server for WHEP players (a <c>Link: rel="ice-server"</c> header, RFC 9725 §4.6).</summary>
internal sealed class WhepIceServer
{
    /// <summary><c>stun:host[:port]</c>, <c>turn:host[:port][?transport=udp|tcp]</c> or <c>turns:...</c> (RFC 7064, RFC 7065).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The TURN username, if any.</summary>
    public string? Username { get; set; }

    /// <summary>The TURN password, if any.</summary>
    public string? Credential { get; set; }
}
