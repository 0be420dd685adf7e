using System.Buffers.Binary;
using EmsSharp.Media.Fmp4;

namespace EmsSharp.Media.Tests.Fmp4;

/// <summary>A fragment parsed back from moof + mdat bytes, every size and offset checked.</summary>
internal sealed class ParsedFragment
{
    public required uint SequenceNumber { get; init; }

    public required byte[] Bytes { get; init; }

    public Dictionary<uint, ParsedTrack> Tracks { get; } = [];

    public static ParsedFragment Parse(in Fmp4Fragment fragment)
    {
        var bytes = new byte[fragment.Length];
        Assert.True(fragment.TryCopyTo(bytes, out var written));
        Assert.Equal(bytes.Length, written);
        var boxes = BoxTree.Parse(bytes, 0, bytes.Length);
        Assert.Equal(["moof", "mdat"], boxes.Select(b => b.Type));
        var moof = boxes[0];
        var mdat = boxes[1];
        Assert.Equal(fragment.Moof.Length, moof.Size);
        var parsed = new ParsedFragment { SequenceNumber = moof.Child("mfhd").U32(4), Bytes = bytes };
        foreach (var traf in moof.All("traf"))
        {
            var tfhd = traf.Child("tfhd");
            Assert.Equal(0x020000u, tfhd.U32(0)); // version 0, default-base-is-moof only
            var tfdt = traf.Child("tfdt");
            Assert.Equal(1, tfdt.Body[0]); // version 1
            var trun = traf.Child("trun");
            var flags = trun.U32(0) & 0xFFFFFF;
            Assert.Equal(1, trun.Body[0]); // version 1: signed composition offsets
            var count = (int)trun.U32(4);
            var dataOffset = (int)trun.U32(8);
            var hasCto = (flags & 0x800) != 0;
            var entry = hasCto ? 16 : 12;
            Assert.Equal(12 + (count * entry), trun.Size - 8);
            var track = new ParsedTrack { BaseDecodeTime = tfdt.U64(4) };
            var position = dataOffset; // default-base-is-moof: relative to the moof's first byte
            for (var i = 0; i < count; i++)
            {
                var e = trun.Body[(12 + (i * entry))..];
                var size = (int)BinaryPrimitives.ReadUInt32BigEndian(e[4..]);
                Assert.InRange(position, mdat.Offset + 8, mdat.Offset + mdat.Size - size);
                track.Samples.Add(new ParsedSample(
                    BinaryPrimitives.ReadUInt32BigEndian(e),
                    bytes.AsSpan(position, size).ToArray(),
                    BinaryPrimitives.ReadUInt32BigEndian(e[8..]),
                    hasCto ? BinaryPrimitives.ReadInt32BigEndian(e[12..]) : 0));
                position += size;
            }

            track.DataEnd = position;
            track.DataStart = dataOffset;
            parsed.Tracks.Add(tfhd.U32(4), track);
        }

        return parsed;
    }
}

internal sealed class ParsedTrack
{
    public required ulong BaseDecodeTime { get; init; }

    public List<ParsedSample> Samples { get; } = [];

    public int DataStart { get; set; }

    public int DataEnd { get; set; }
}

internal sealed record ParsedSample(uint Duration, byte[] Data, uint Flags, int CompositionOffset)
{
    public bool IsSync => Flags == 0x02000000;
}
