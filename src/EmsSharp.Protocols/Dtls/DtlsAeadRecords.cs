using System.Buffers.Binary;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// The application-data records of one connected DTLS 1.2 association under an AES-GCM suite, sealed and opened
/// without the handshake library's record layer (sans-IO: spans in, spans out). The handshake library negotiates the
/// keys and keeps every other record (a flight sent again, an alert); this handles only <c>application_data</c> of the
/// epoch the handshake ended in, which is all a data channel sends and receives once it runs.
/// </summary>
/// <remarks>
/// Record (RFC 6347 §4.1): type (23), version (0xFEFD), epoch, 48-bit sequence number, length, then the GCM
/// fragment (RFC 5288 §3): the 8-byte explicit nonce, the ciphertext and the 16-byte tag. The nonce is the key block's
/// 4-byte salt and the explicit part, which is the record's epoch and sequence number, as the handshake library writes
/// it. The additional data is RFC 5246 §6.2.3.3's seq_num || type || version || plaintext length, with DTLS's epoch and
/// sequence number as seq_num (RFC 6347 §4.1.2.1). Duplicates are refused by RFC 6347 §4.1.2.6's sliding window; a
/// record that fails is dropped silently (§4.1.2.7). Not thread-safe: its owner serialises calls.
/// </remarks>
internal sealed class DtlsAeadRecords
{
    /// <summary>Bytes a sealed record adds to its plaintext: header, explicit nonce, tag.</summary>
    public const int Overhead = DtlsRecordPeek.HeaderLength + ExplicitNonceLength + AesGcmCiphers.TagLength;

    private const byte Alert = 21;
    private const byte ApplicationData = 23;
    private const byte VersionMajor = 0xFE;
    private const byte VersionMinor = 0xFD; // DTLS 1.2 (RFC 6347 §4.1)
    private const int ExplicitNonceLength = 8;
    private const int SaltLength = 4;
    private const int WindowSize = 64;
    private const long MaxSequence = (1L << 48) - 1;

    private readonly IAesGcmCipher _write;
    private readonly IAesGcmCipher _read;
    private readonly byte[] _writeSalt;
    private readonly byte[] _readSalt;
    private readonly ushort _epoch;
    private long _nextWrite;
    private long _highestRead = -1;
    private ulong _window; // bit i: highest - i was received

    /// <summary>
    /// Records of <paramref name="epoch"/>, sealed with <paramref name="write"/> and <paramref name="writeSalt"/> from
    /// sequence number <paramref name="nextWrite"/> on (past every record the handshake library sent in it), opened
    /// with <paramref name="read"/> and <paramref name="readSalt"/>. The ciphers stay the caller's.
    /// </summary>
    public DtlsAeadRecords(IAesGcmCipher write, ReadOnlySpan<byte> writeSalt, IAesGcmCipher read,
        ReadOnlySpan<byte> readSalt, ushort epoch, long nextWrite)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        if (writeSalt.Length != SaltLength || readSalt.Length != SaltLength)
        {
            throw new ArgumentException($"A GCM record salt is {SaltLength} bytes (RFC 5288 §3).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(nextWrite);
        _write = write;
        _read = read;
        _writeSalt = writeSalt.ToArray();
        _readSalt = readSalt.ToArray();
        _epoch = epoch;
        _nextWrite = nextWrite;
    }

    /// <summary>The epoch whose application data this seals and opens.</summary>
    public ushort Epoch => _epoch;

    /// <summary>The sequence number the next sealed record gets.</summary>
    public long NextWriteSequence => _nextWrite;

    /// <summary>
    /// Seals <paramref name="plaintext"/> as one record into <paramref name="record"/> (at least
    /// <see cref="Overhead"/> bytes longer) and returns its length; 0 once the epoch's sequence numbers are spent
    /// (RFC 6347 §4.1: a sequence number must not wrap), when the association must end.
    /// </summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> record) => Seal(ApplicationData, plaintext, record);

    /// <summary>
    /// Seals a close_notify alert (RFC 5246 §7.2.1: level warning, description 0) into <paramref name="record"/>: the
    /// handshake library's own would carry a sequence number this layer already used, which the peer drops.
    /// </summary>
    public int SealCloseNotify(Span<byte> record) => Seal(Alert, [1, 0], record);

    /// <summary>
    /// Moves the next sealed record's sequence number to at least <paramref name="next"/>: past records the handshake
    /// library sent in this epoch after this layer was made.
    /// </summary>
    public void SkipWriteSequenceTo(long next) => _nextWrite = Math.Max(_nextWrite, next);

    /// <summary>
    /// Seals <paramref name="plaintext"/> as one record of content type <paramref name="type"/> (a handshake message's
    /// Finished, an alert, application data) into <paramref name="record"/>, as <see cref="Seal(ReadOnlySpan{byte}, Span{byte})"/>.
    /// </summary>
    public int Seal(byte type, ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        var length = Overhead + plaintext.Length;
        if (record.Length < length)
        {
            throw new ArgumentException($"The record needs {length} bytes.", nameof(record));
        }

        if (_nextWrite > MaxSequence || plaintext.Length > ushort.MaxValue - ExplicitNonceLength - AesGcmCiphers.TagLength)
        {
            return 0;
        }

        var seqNum = ((long)_epoch << 48) | _nextWrite++;
        record[0] = type;
        record[1] = VersionMajor;
        record[2] = VersionMinor;
        BinaryPrimitives.WriteInt64BigEndian(record[3..], seqNum); // epoch (2) and sequence number (6)
        BinaryPrimitives.WriteUInt16BigEndian(record[11..], (ushort)(length - DtlsRecordPeek.HeaderLength));
        BinaryPrimitives.WriteInt64BigEndian(record[DtlsRecordPeek.HeaderLength..], seqNum); // the explicit nonce

        Span<byte> nonce = stackalloc byte[SaltLength + ExplicitNonceLength];
        _writeSalt.CopyTo(nonce);
        BinaryPrimitives.WriteInt64BigEndian(nonce[SaltLength..], seqNum);
        Span<byte> aad = stackalloc byte[13];
        WriteAdditionalData(aad, seqNum, type, plaintext.Length);
        var data = record.Slice(DtlsRecordPeek.HeaderLength + ExplicitNonceLength, plaintext.Length);
        plaintext.CopyTo(data);
        _write.Encrypt(nonce, data, record.Slice(length - AesGcmCiphers.TagLength, AesGcmCiphers.TagLength), aad);
        return length;
    }

    /// <summary>
    /// True when every record of <paramref name="datagram"/> is well framed application data of this epoch (and there
    /// is at least one): then <see cref="Open"/> takes the whole datagram. Anything else (a handshake record, an alert,
    /// another epoch, a truncated record) belongs to the handshake library.
    /// </summary>
    public bool HoldsOnlyApplicationData(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return false;
        }

        while (!datagram.IsEmpty)
        {
            if (datagram.Length < DtlsRecordPeek.HeaderLength || datagram[0] != ApplicationData ||
                datagram[1] != VersionMajor || datagram[2] != VersionMinor ||
                BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]) != _epoch)
            {
                return false;
            }

            var length = DtlsRecordPeek.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (length > datagram.Length)
            {
                return false;
            }

            datagram = datagram[length..];
        }

        return true;
    }

    /// <summary>
    /// Opens the next record of <paramref name="datagram"/> (one that <see cref="HoldsOnlyApplicationData"/> accepted,
    /// or a whole record of this epoch of any content type, which the additional data then carries)
    /// into <paramref name="plaintext"/>: returns the record's length in the datagram and the plaintext's in
    /// <paramref name="written"/>, -1 when the record was dropped (a replay, too old, too short, a wrong tag, a
    /// plaintext larger than <paramref name="plaintext"/>).
    /// </summary>
    public int Open(ReadOnlySpan<byte> datagram, Span<byte> plaintext, out int written)
    {
        written = -1;
        var fragment = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
        var consumed = DtlsRecordPeek.HeaderLength + fragment;
        var seqNum = BinaryPrimitives.ReadInt64BigEndian(datagram[3..]);
        var sequence = seqNum & MaxSequence;
        var length = fragment - ExplicitNonceLength - AesGcmCiphers.TagLength;
        if (length < 0 || length > plaintext.Length || !IsFresh(sequence))
        {
            return consumed;
        }

        Span<byte> nonce = stackalloc byte[SaltLength + ExplicitNonceLength];
        _readSalt.CopyTo(nonce);
        datagram.Slice(DtlsRecordPeek.HeaderLength, ExplicitNonceLength).CopyTo(nonce[SaltLength..]);
        Span<byte> aad = stackalloc byte[13];
        WriteAdditionalData(aad, seqNum, datagram[0], length);
        var start = DtlsRecordPeek.HeaderLength + ExplicitNonceLength;
        var data = plaintext[..length];
        datagram.Slice(start, length).CopyTo(data);
        if (!_read.TryDecrypt(nonce, data, datagram.Slice(start + length, AesGcmCiphers.TagLength), aad))
        {
            return consumed;
        }

        Accept(sequence);
        written = length;
        return consumed;
    }

    private static void WriteAdditionalData(Span<byte> aad, long seqNum, byte type, int plaintextLength)
    {
        BinaryPrimitives.WriteInt64BigEndian(aad, seqNum);
        aad[8] = type;
        aad[9] = VersionMajor;
        aad[10] = VersionMinor;
        BinaryPrimitives.WriteUInt16BigEndian(aad[11..], (ushort)plaintextLength);
    }

    // RFC 6347 §4.1.2.6 (RFC 4303 §3.4.3's window): newer than the highest, or inside the window and not seen yet.
    private bool IsFresh(long sequence)
    {
        if (sequence > _highestRead)
        {
            return true;
        }

        var behind = _highestRead - sequence;
        return behind < WindowSize && (_window & (1UL << (int)behind)) == 0;
    }

    // Only after the record authenticated: a forged sequence number must not move the window.
    private void Accept(long sequence)
    {
        if (sequence > _highestRead)
        {
            var shift = sequence - _highestRead;
            _window = shift >= WindowSize ? 1UL : (_window << (int)shift) | 1UL;
            _highestRead = sequence;
        }
        else
        {
            _window |= 1UL << (int)(_highestRead - sequence);
        }
    }
}
