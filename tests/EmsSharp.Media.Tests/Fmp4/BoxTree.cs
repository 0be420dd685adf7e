using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Media.Tests.Fmp4;

/// <summary>A minimal ISO BMFF box parser for the tests: checks that every size adds up.</summary>
internal sealed class BoxTree
{
    private static readonly HashSet<string> Containers = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf"];

    public required string Type { get; init; }

    public required int Offset { get; init; }

    public required int Size { get; init; }

    public required byte[] File { get; init; }

    public List<BoxTree> Children { get; } = [];

    public ReadOnlySpan<byte> Body => File.AsSpan(Offset + 8, Size - 8);

    public static List<BoxTree> Parse(byte[] file, int start, int end)
    {
        var boxes = new List<BoxTree>();
        var position = start;
        while (position < end)
        {
            Assert.True(end - position >= 8, "box header truncated");
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(position));
            Assert.InRange(size, 8, end - position);
            var box = new BoxTree { Type = Encoding.ASCII.GetString(file, position + 4, 4), Offset = position, Size = size, File = file };
            if (Containers.Contains(box.Type))
            {
                box.Children.AddRange(Parse(file, position + 8, position + size));
            }

            boxes.Add(box);
            position += size;
        }

        Assert.Equal(end, position);
        return boxes;
    }

    public BoxTree Child(string type) => Children.Single(c => c.Type == type);

    public IEnumerable<BoxTree> All(string type) => Children.Where(c => c.Type == type);

    public uint U32(int bodyOffset) => BinaryPrimitives.ReadUInt32BigEndian(Body[bodyOffset..]);

    public ulong U64(int bodyOffset) => BinaryPrimitives.ReadUInt64BigEndian(Body[bodyOffset..]);
}
