namespace EmsSharp.Protocols.Dtls;

/// <summary>Receives the output of an <see cref="IDtlsTransport"/>. Calls may come from a handshake thread, or from the thread that handed in a datagram.</summary>
public interface IDtlsTransportHandler
{
    /// <summary>A datagram to send to the peer.</summary>
    void OnDtlsTransmit(ReadOnlySpan<byte> datagram);

    /// <summary>The handshake completed and the peer's fingerprint matched.</summary>
    void OnDtlsConnected(DtlsSrtpKeys keys);

    /// <summary>Application data (e.g. an SCTP packet) arrived; the span is valid only during the call.</summary>
    void OnDtlsApplicationData(ReadOnlySpan<byte> data);

    /// <summary>The transport closed: null for a clean close, otherwise the reason it failed.</summary>
    void OnDtlsClosed(string? error);
}
