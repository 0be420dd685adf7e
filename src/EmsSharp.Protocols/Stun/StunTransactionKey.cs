using System.Buffers.Binary;

namespace EmsSharp.Protocols.Stun;

/// <summary>A STUN transaction id (RFC 8489 §5: 96 bits) as a value, for dictionaries of pending transactions.</summary>
public static class StunTransactionKey
{
    /// <summary>The 12-byte id as a number (zero-padded to 128 bits).</summary>
    public static UInt128 Of(ReadOnlySpan<byte> transactionId)
    {
        Span<byte> padded = stackalloc byte[16];
        transactionId[..12].CopyTo(padded);
        return BinaryPrimitives.ReadUInt128LittleEndian(padded);
    }
}
