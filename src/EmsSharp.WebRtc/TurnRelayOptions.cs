namespace EmsSharp.WebRtc;

/// <summary>Where and how a <see cref="TurnRelay"/> reaches its TURN server (a <c>turn:…?transport=tcp</c> or <c>turns:</c> entry).</summary>
public sealed record TurnRelayOptions
{
    /// <summary>The server's host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>The server's port.</summary>
    public required int Port { get; init; }

    /// <summary>TLS (<c>turns:</c>, RFC 7065 §3) rather than plain TCP.</summary>
    public bool Tls { get; init; }

    /// <summary>Accept a TLS certificate that does not validate (a self-signed ERS; the ems's <c>ersOverSsl</c> peers).</summary>
    public bool AllowUntrustedCertificate { get; init; }

    /// <summary>Long-term credential username (e.g. the ERS's TURN REST one).</summary>
    public required string Username { get; init; }

    /// <summary>Long-term credential password.</summary>
    public required string Password { get; init; }
}
