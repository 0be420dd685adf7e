using System.Buffers.Binary;
using EmsSharp.Media.H264;

namespace EmsSharp.Interop.Tests.H264;

/// <summary>
/// Splits an ffmpeg-encoded Annex B elementary stream into AVCC access units (4-byte lengths), keeping the
/// first SPS and PPS aside and dropping in-band parameter sets and access unit delimiters.
/// </summary>
internal static class AnnexBAccessUnits
{
    // ITU-T H.264 §7.4.1.2.3: a new access unit starts at a non-VCL NAL unit (AUD, SPS, PPS, SEI) after a
    // slice, or at a slice with first_mb_in_slice = 0 after a slice.
    public static (byte[] Sps, byte[] Pps, List<(byte[] Avcc, bool IsKeyframe)> AccessUnits) Split(byte[] stream)
    {
        byte[]? sps = null, pps = null;
        var units = new List<(byte[], bool)>();
        var current = new MemoryStream();
        bool hasSlice = false, isKey = false;
        Span<byte> length = stackalloc byte[4];
        foreach (var nal in new AnnexBNalEnumerator(stream))
        {
            var type = NalUnitHeader.GetType(nal[0]);
            var isVcl = NalUnitHeader.IsVcl(type);
            if (hasSlice && (!isVcl || NalUnitHeader.IsFirstSliceOfPicture(nal)))
            {
                units.Add((current.ToArray(), isKey));
                current.SetLength(0);
                hasSlice = isKey = false;
            }

            switch (type)
            {
                case NalUnitType.Sps:
                    sps ??= nal.ToArray();
                    continue;
                case NalUnitType.Pps:
                    pps ??= nal.ToArray();
                    continue;
                case NalUnitType.AccessUnitDelimiter:
                    continue;
            }

            BinaryPrimitives.WriteInt32BigEndian(length, nal.Length);
            current.Write(length);
            current.Write(nal);
            hasSlice |= isVcl;
            isKey |= type == NalUnitType.IdrSlice;
        }

        if (hasSlice)
        {
            units.Add((current.ToArray(), isKey));
        }

        Assert.NotNull(sps);
        Assert.NotNull(pps);
        return (sps, pps, units);
    }
}
