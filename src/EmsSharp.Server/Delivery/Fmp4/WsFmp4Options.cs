namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>WS-FMP4 delivery (<c>ws://&lt;ems&gt;:8410/&lt;stream name&gt;</c>), bound from the <c>WsFmp4</c> section.</summary>
internal sealed class WsFmp4Options
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "WsFmp4";

    /// <summary>Whether the WebSocket endpoint listens.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listening port; 0 picks an ephemeral port (tests; see <see cref="WsFmp4Endpoint.BoundEndPoint"/>).</summary>
    public int Port { get; set; } = 8410;

    /// <summary>
    /// <c>wss://</c> listening port (PROTOCOL.md §4.2), on <see cref="BindAddress"/>; it listens only when
    /// <see cref="Cert"/> and <see cref="Key"/> are set. 0 picks an ephemeral port (see <see cref="WsFmp4Endpoint.SecureBoundEndPoint"/>).
    /// </summary>
    public int SecurePort { get; set; } = 8420;

    /// <summary>PEM certificate (chain) of the <c>wss://</c> listener; relative to the working directory. Unset: no <c>wss://</c>.</summary>
    public string? Cert { get; set; }

    /// <summary>PEM private key of <see cref="Cert"/>; relative to the working directory.</summary>
    public string? Key { get; set; }

    /// <summary>Password of <see cref="Key"/> when it is an encrypted PKCS#8 PEM.</summary>
    public string? KeyPassword { get; set; }

    /// <summary>A <c>wss://</c> client that has not completed its TLS handshake this long after connecting is dropped.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Read keys by stream name (<c>*</c> for any other name). Empty: anyone may watch any stream (EvoStream's
    /// behaviour). Set: a viewer adds <c>?key=...</c> to the URL, and only the name's key (or the <c>*</c> one) admits it.
    /// </summary>
    public Dictionary<string, string> ReadKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Listening address.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How long a viewer of a stream that is not live yet waits for it before the socket is closed.</summary>
    public TimeSpan StreamWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest stream name accepted in the path.</summary>
    public int MaxStreamNameLength { get; set; } = 256;

    /// <summary>WebSocket viewers one remote address may hold at once; more get 429 (so one host cannot take every slot).</summary>
    public int MaxViewersPerAddress { get; set; } = 64;

    /// <summary>True when the <c>wss://</c> listener is configured (both <see cref="Cert"/> and <see cref="Key"/>).</summary>
    public bool Secure => !string.IsNullOrEmpty(Cert) && !string.IsNullOrEmpty(Key);

    /// <summary>
    /// TCP connections one remote address may hold on the listener; more are closed at accept, before their request is
    /// read. Unset: <see cref="MaxViewersPerAddress"/> + 32 (each viewer holds one, and requests on their way to being
    /// viewers or refusals hold some more); when set, at least <see cref="MaxViewersPerAddress"/>.
    /// </summary>
    public int? MaxConnectionsPerAddress { get; set; }

    /// <summary>The listener's cap per address: <see cref="MaxConnectionsPerAddress"/> or its default.</summary>
    public int ConnectionsPerAddress => MaxConnectionsPerAddress ?? (int)Math.Min(int.MaxValue, MaxViewersPerAddress + 32L);
}
