using System.Buffers.Binary;
using EmsSharp.Media.H264;

namespace EmsSharp.Load.Viewers;

/// <summary>Finds the start of an IDR picture in an H.264 RTP payload (RFC 6184, packetization-mode 1).</summary>
internal static class H264KeyframeDetector
{
    /// <summary>
    /// True when the payload is an IDR slice (NAL type 5) as a single NAL unit (RFC 6184 §5.6), holds one in a
    /// STAP-A (§5.7.1), or is the first FU-A fragment of one (§5.8, S bit set). Malformed payloads are false.
    /// </summary>
    public static bool StartsIdr(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        switch (NalUnitHeader.GetType(payload[0]))
        {
            case NalUnitType.IdrSlice:
                return true;
            case NalUnitType.StapA:
                // RFC 6184 §5.7.1: STAP-A header, then (16-bit NALU size, NAL unit) repeated.
                var rest = payload[1..];
                while (rest.Length >= 2)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(rest);
                    if (size == 0 || size > rest.Length - 2)
                    {
                        return false;
                    }

                    if (NalUnitHeader.GetType(rest[2]) == NalUnitType.IdrSlice)
                    {
                        return true;
                    }

                    rest = rest[(2 + size)..];
                }

                return false;
            case NalUnitType.FuA:
                // RFC 6184 §5.8: FU indicator, then the FU header |S|E|R|Type|.
                return payload.Length >= 2 && (payload[1] & 0x80) != 0
                    && NalUnitHeader.GetType(payload[1]) == NalUnitType.IdrSlice;
            default:
                return false;
        }
    }
}
