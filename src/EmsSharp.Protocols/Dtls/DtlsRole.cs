namespace EmsSharp.Protocols.Dtls;

/// <summary>DTLS handshake role, from <c>a=setup</c> (RFC 5763 §5): active = client, passive = server.</summary>
public enum DtlsRole
{
    /// <summary>Sends the ClientHello (<c>a=setup:active</c>).</summary>
    Client,

    /// <summary>Waits for the ClientHello (<c>a=setup:passive</c>).</summary>
    Server,
}
