using System.Buffers.Binary;

namespace EmsSharp.Media.H264;

/// <summary>
/// Annex B (start-code delimited, ITU-T H.264 Annex B) and AVCC (length-prefixed, ISO/IEC 14496-15
/// §5.3.4.2) conversions. Payload bytes, including emulation prevention bytes, are copied as is.
/// </summary>
public static class AnnexB
{
    /// <summary>Largest NAL unit accepted by the converters (bytes).</summary>
    public const int MaxNalUnitSize = 16 * 1024 * 1024;

    /// <summary>
    /// Index of the first start code at or after <paramref name="from"/>, with its length (3 or 4:
    /// a 4-byte code is a zero_byte followed by 00 00 01), or -1.
    /// </summary>
    public static int FindStartCode(ReadOnlySpan<byte> data, int from, out int length)
    {
        length = 0;
        var i = from;
        while (i + 3 <= data.Length)
        {
            var rel = data[i..].IndexOf((byte)1);
            if (rel < 0)
            {
                return -1;
            }

            var one = i + rel;
            if (one - 2 >= from && data[one - 1] == 0 && data[one - 2] == 0)
            {
                var hasZeroByte = one - 3 >= from && data[one - 3] == 0;
                length = hasZeroByte ? 4 : 3;
                return one - length + 1;
            }

            i = one + 1;
        }

        return -1;
    }

    /// <summary>Bytes needed to hold <paramref name="annexB"/> as AVCC with 4-byte lengths.</summary>
    public static int GetAvccLength(ReadOnlySpan<byte> annexB)
    {
        var total = 0;
        foreach (var nal in new AnnexBNalEnumerator(annexB))
        {
            total += 4 + nal.Length;
        }

        return total;
    }

    /// <summary>
    /// Converts an Annex B access unit to AVCC with 4-byte big-endian NAL lengths
    /// (ISO/IEC 14496-15 §5.3.4.2, lengthSizeMinusOne = 3). False if <paramref name="destination"/>
    /// is too small or a NAL unit exceeds <see cref="MaxNalUnitSize"/>.
    /// </summary>
    public static bool TryConvertToAvcc(ReadOnlySpan<byte> annexB, Span<byte> destination, out int written)
    {
        written = 0;
        foreach (var nal in new AnnexBNalEnumerator(annexB))
        {
            if (nal.Length > MaxNalUnitSize || destination.Length - written < 4 + nal.Length)
            {
                written = 0;
                return false;
            }

            BinaryPrimitives.WriteInt32BigEndian(destination[written..], nal.Length);
            nal.CopyTo(destination[(written + 4)..]);
            written += 4 + nal.Length;
        }

        return true;
    }

    /// <summary>Bytes needed to hold an AVCC access unit as Annex B with 4-byte start codes, or -1 if malformed.</summary>
    public static int GetAnnexBLength(ReadOnlySpan<byte> avcc, int lengthSize = 4)
    {
        var total = 0;
        var enumerator = new AvccNalEnumerator(avcc, lengthSize);
        while (enumerator.MoveNext())
        {
            total += 4 + enumerator.Current.Length;
        }

        return enumerator.IsMalformed ? -1 : total;
    }

    /// <summary>
    /// Converts an AVCC access unit (<paramref name="lengthSize"/>-byte big-endian lengths) to Annex B
    /// with 4-byte start codes. False when a length runs past the input or the destination is too small.
    /// </summary>
    public static bool TryConvertToAnnexB(ReadOnlySpan<byte> avcc, Span<byte> destination, out int written,
        int lengthSize = 4)
    {
        written = 0;
        var enumerator = new AvccNalEnumerator(avcc, lengthSize);
        while (enumerator.MoveNext())
        {
            var nal = enumerator.Current;
            if (destination.Length - written < 4 + nal.Length)
            {
                written = 0;
                return false;
            }

            destination[written] = 0;
            destination[written + 1] = 0;
            destination[written + 2] = 0;
            destination[written + 3] = 1;
            nal.CopyTo(destination[(written + 4)..]);
            written += 4 + nal.Length;
        }

        if (enumerator.IsMalformed)
        {
            written = 0;
            return false;
        }

        return true;
    }
}
