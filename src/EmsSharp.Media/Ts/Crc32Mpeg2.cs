namespace EmsSharp.Media.Ts;

/// <summary>
/// The CRC-32 of PSI sections (ISO/IEC 13818-1 §2.4.4.11 and Annex A): polynomial 0x04C11DB7, most significant bit
/// first, register preset to all ones, no final inversion, so that the CRC over a whole section (CRC_32 field included)
/// is zero. Sections are written once per file, so a bitwise loop is enough.
/// </summary>
public static class Crc32Mpeg2
{
    private const uint Polynomial = 0x04C11DB7;

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var value in data)
        {
            crc ^= (uint)value << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000_0000) != 0 ? (crc << 1) ^ Polynomial : crc << 1;
            }
        }

        return crc;
    }
}
