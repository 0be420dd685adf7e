using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Protocols.Stun;

/// <summary>XOR-MAPPED-ADDRESS value encoding (RFC 8489 §14.2).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                X-Address (Variable)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
internal static class StunXorAddress
{
    public static byte[] Encode(IPEndPoint endPoint, ReadOnlySpan<byte> transactionId)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var value = new byte[v6 ? 20 : 8];
        value[1] = v6 ? (byte)0x02 : (byte)0x01;
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), (ushort)(endPoint.Port ^ (StunMessage.MagicCookie >> 16)));
        address.TryWriteBytes(value.AsSpan(4), out _);
        XorAddress(value.AsSpan(4), transactionId);
        return value;
    }

    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (value.Length < 8 || (value[1] == 0x01 && value.Length != 8) || (value[1] == 0x02 && value.Length != 20) ||
            value[1] is not (0x01 or 0x02))
        {
            return false;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(StunMessage.MagicCookie >> 16);
        Span<byte> address = stackalloc byte[value.Length - 4];
        value[4..].CopyTo(address);
        XorAddress(address, transactionId);
        endPoint = new IPEndPoint(new IPAddress(address), port);
        return true;
    }

    private static void XorAddress(Span<byte> address, ReadOnlySpan<byte> transactionId)
    {
        // RFC 8489 §14.2: XOR with the magic cookie, then (IPv6) with the transaction id.
        Span<byte> mask = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunMessage.MagicCookie);
        transactionId[..12].CopyTo(mask[4..]);
        for (var i = 0; i < address.Length; i++)
        {
            address[i] ^= mask[i];
        }
    }
}
