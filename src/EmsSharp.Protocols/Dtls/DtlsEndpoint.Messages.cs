using System.Buffers.Binary;

namespace EmsSharp.Protocols.Dtls;

/// <summary>Reading hello extensions and writing handshake message bodies (RFC 5246 §7.4.1.4).</summary>
public sealed partial class DtlsEndpoint
{
    private static List<(ushort Type, byte[] Data)> ReadExtensions(ref DtlsReader r)
    {
        // RFC 5246 §7.4.1.4: extensions<0..2^16-1>, each type and extension_data<0..2^16-1>, no type twice.
        var all = new DtlsReader(r.ReadVector16());
        var extensions = new List<(ushort, byte[])>();
        while (!all.IsEmpty)
        {
            var type = all.ReadUInt16();
            var data = all.ReadVector16().ToArray();
            if (extensions.Exists(e => e.Item1 == type))
            {
                throw new DtlsAlertException(DtlsAlert.IllegalParameter, $"extension {type} twice");
            }

            if (extensions.Count >= 64)
            {
                throw new DtlsAlertException(DtlsAlert.DecodeError, "too many extensions");
            }

            extensions.Add((type, data));
        }

        return extensions;
    }

    private static (ushort[] Profiles, byte[] Mki) ReadUseSrtp(byte[] data)
    {
        // RFC 5764 §4.1.1: SRTPProtectionProfiles<2..2^16-1>, srtp_mki<0..255>.
        var r = new DtlsReader(data);
        var list = r.ReadVector16(2);
        var mki = r.ReadVector8().ToArray();
        r.ExpectEnd("use_srtp");
        if (list.Length % 2 != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, "odd use_srtp profile list");
        }

        var profiles = new ushort[list.Length / 2];
        for (var i = 0; i < profiles.Length; i++)
        {
            profiles[i] = BinaryPrimitives.ReadUInt16BigEndian(list[(2 * i)..]);
        }

        return (profiles, mki);
    }

    private static void CheckPointFormats(byte[] data)
    {
        // RFC 8422 §5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>; uncompressed (0) must be there.
        var r = new DtlsReader(data);
        var formats = r.ReadVector8(1);
        r.ExpectEnd("ec_point_formats");
        if (formats.IndexOf((byte)0) < 0)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "uncompressed points not supported by the peer");
        }
    }

    private static void ExpectEmpty(byte[] data, string what)
    {
        if (data.Length != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, what + " not empty");
        }
    }

    private static bool ContainsUInt16(ReadOnlySpan<byte> list, ushort value)
    {
        if (list.Length % 2 != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, "odd list of 16-bit values");
        }

        for (var i = 0; i < list.Length; i += 2)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(list[i..]) == value)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes handshake message bodies (handshake only: it allocates).</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void UInt8(byte value) => _stream.WriteByte(value);

        public void UInt16(ushort value)
        {
            _stream.WriteByte((byte)(value >> 8));
            _stream.WriteByte((byte)value);
        }

        public void UInt24(int value)
        {
            _stream.WriteByte((byte)(value >> 16));
            UInt16((ushort)value);
        }

        public void Bytes(ReadOnlySpan<byte> value) => _stream.Write(value);

        public void Vector8(ReadOnlySpan<byte> value)
        {
            UInt8((byte)value.Length);
            Bytes(value);
        }

        public void Vector16(ReadOnlySpan<byte> value)
        {
            UInt16((ushort)value.Length);
            Bytes(value);
        }

        public int BeginVector16()
        {
            UInt16(0);
            return (int)_stream.Length;
        }

        public void EndVector16(int start)
        {
            var length = (int)_stream.Length - start;
            var buffer = _stream.GetBuffer();
            buffer[start - 2] = (byte)(length >> 8);
            buffer[start - 1] = (byte)length;
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
