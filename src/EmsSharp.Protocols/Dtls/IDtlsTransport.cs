namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// A DTLS-SRTP endpoint for one peer. Datagrams come in through <see cref="HandleDatagram"/>; everything
/// it produces (records to send, keys, application data, closure) goes to its <see cref="IDtlsTransportHandler"/>,
/// possibly from a handshake thread.
/// </summary>
public interface IDtlsTransport : IDisposable
{
    /// <summary>Starts the handshake in the given role.</summary>
    void Start(DtlsRole role);

    /// <summary>Queues a received DTLS datagram (copied); false if dropped because the queue is full.</summary>
    bool HandleDatagram(ReadOnlySpan<byte> datagram);

    /// <summary>Largest application-data record plaintext <see cref="Send"/> accepts; 0 before the handshake completes.</summary>
    int SendLimit { get; }

    /// <summary>Sends application data (one record); false before the handshake completes or after close.</summary>
    bool Send(ReadOnlySpan<byte> data);

    /// <summary>
    /// When the owner must call <see cref="HandleTimeout"/> (its own clock), or null: a transport whose timers run on the
    /// owner's loop (<see cref="DtlsEndpointTransport"/>) has one; one with threads of its own never does.
    /// </summary>
    TimeSpan? NextTimeout => null;

    /// <summary>Runs the transport's timers that are due at <paramref name="now"/> (see <see cref="NextTimeout"/>).</summary>
    void HandleTimeout(TimeSpan now)
    {
    }

    /// <summary>Sends close_notify and stops.</summary>
    void Close();
}
