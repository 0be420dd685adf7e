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

    /// <summary>Listening address.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How long a viewer of a stream that is not live yet waits for it before the socket is closed.</summary>
    public TimeSpan StreamWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest stream name accepted in the path.</summary>
    public int MaxStreamNameLength { get; set; } = 256;

    /// <summary>WebSocket viewers one remote address may hold at once; more get 429 (so one host cannot take every slot).</summary>
    public int MaxViewersPerAddress { get; set; } = 64;

    /// <summary>
    /// TCP connections one remote address may hold on the listener; more are closed at accept, before their request is
    /// read. Unset: <see cref="MaxViewersPerAddress"/> + 32 (each viewer holds one, and requests on their way to being
    /// viewers or refusals hold some more); when set, at least <see cref="MaxViewersPerAddress"/>.
    /// </summary>
    public int? MaxConnectionsPerAddress { get; set; }

    /// <summary>The listener's cap per address: <see cref="MaxConnectionsPerAddress"/> or its default.</summary>
    public int ConnectionsPerAddress => MaxConnectionsPerAddress ?? (int)Math.Min(int.MaxValue, MaxViewersPerAddress + 32L);
}
