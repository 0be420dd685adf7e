using System.Buffers.Binary;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// What a handshake datagram carries, stable across retransmissions (the record sequence number changes on each
/// resend, this does not), so a test network can count the copies of each one and decide losses by copy, not by
/// arrival order or timing. BouncyCastle sends one record per datagram.
/// </summary>
/// <remarks>
/// <code>
/// DTLSPlaintext header (13 bytes)   type(1) version(2) epoch(2) sequence_number(6) length(2)
/// Handshake header (12 bytes)       msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3)
/// </code>
/// Epoch 1 handshake records are encrypted: in a full handshake the only one each side sends is its Finished.
/// </remarks>
internal readonly record struct HandshakeDatagram(byte ContentType, ushort Epoch, byte MessageType, ushort MessageSeq, int FragmentOffset)
{
    private const byte ChangeCipherSpecType = 20;
    private const byte HandshakeType = 22;
    private const int HandshakeHeaderEnd = DtlsRecordPeek.HeaderLength + 12;

    /// <summary>Reads the identity of a handshake or ChangeCipherSpec datagram; false for anything else (application data, alerts, garbage).</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out HandshakeDatagram key)
    {
        key = default;
        if (!DtlsRecordPeek.IsDtlsRecord(datagram) || datagram[0] is not (ChangeCipherSpecType or HandshakeType))
        {
            return false;
        }

        var epoch = BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]);
        if (datagram[0] == ChangeCipherSpecType || epoch != 0)
        {
            key = new HandshakeDatagram(datagram[0], epoch, 0, 0, 0);
            return true;
        }

        if (datagram.Length < HandshakeHeaderEnd)
        {
            return false;
        }

        var body = datagram[DtlsRecordPeek.HeaderLength..];
        key = new HandshakeDatagram(HandshakeType, 0, body[0], BinaryPrimitives.ReadUInt16BigEndian(body[4..]),
            (body[6] << 16) | (body[7] << 8) | body[8]);
        return true;
    }

    /// <summary>The last datagram of a flight (RFC 6347 §4.2.4): ClientHello, ServerHelloDone, or a Finished.</summary>
    public bool EndsFlight => ContentType == HandshakeType && (Epoch != 0 || MessageType is 1 or 14);

    /// <summary>A readable name, for assertions.</summary>
    public string Name => (ContentType, Epoch, MessageType) switch
    {
        (ChangeCipherSpecType, _, _) => "ChangeCipherSpec",
        (_, not 0, _) => "Finished",
        (_, _, 1) => "ClientHello",
        (_, _, 2) => "ServerHello",
        (_, _, 11) => "Certificate",
        (_, _, 12) => "ServerKeyExchange",
        (_, _, 13) => "CertificateRequest",
        (_, _, 14) => "ServerHelloDone",
        (_, _, 15) => "CertificateVerify",
        (_, _, 16) => "ClientKeyExchange",
        _ => "Handshake" + MessageType,
    } + (FragmentOffset == 0 ? "" : "@" + FragmentOffset);
}
