using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace EmsSharp.Media.Flv;

/// <summary>
/// Reads the tags of an FLV file held in memory (FLV specification v10.1, Annex E.3): header,
/// PreviousTagSize0, then tag, PreviousTagSize, ... Tag bodies are slices of the buffer, not copies.
/// No I/O: the caller loads the file.
/// </summary>
public sealed class FlvFileReader
{
    private readonly ReadOnlyMemory<byte> _file;
    private readonly int _maxTagSize;
    private readonly int _firstTag;
    private int _position;

    private FlvFileReader(ReadOnlyMemory<byte> file, FlvFileHeader header, int maxTagSize)
    {
        _file = file;
        Header = header;
        _maxTagSize = maxTagSize;
        _firstTag = (int)header.DataOffset + 4;
        _position = _firstTag;
    }

    /// <summary>The file header.</summary>
    public FlvFileHeader Header { get; }

    /// <summary>True when reading stopped at a malformed or oversized tag rather than at the end.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Opens a file; false when it does not start with an FLV header.</summary>
    public static bool TryOpen(
        ReadOnlyMemory<byte> file, [NotNullWhen(true)] out FlvFileReader? reader, int maxTagSize = 16 * 1024 * 1024)
    {
        reader = null;
        if (!FlvFileHeader.TryRead(file.Span, out var header, out _) || file.Length < header.DataOffset + 4)
        {
            return false;
        }

        reader = new FlvFileReader(file, header, maxTagSize);
        return true;
    }

    /// <summary>Reads the next tag; false at the end of the file or at a malformed tag.</summary>
    public bool TryReadTag(out FlvTag tag)
    {
        tag = default;
        var remaining = _file.Span[_position..];
        if (remaining.IsEmpty)
        {
            return false;
        }

        if (!FlvTagHeader.TryRead(remaining, out var header, out _) || header.DataSize > _maxTagSize ||
            remaining.Length < FlvTagHeader.Size + header.DataSize)
        {
            IsMalformed = true;
            return false;
        }

        tag = new FlvTag(header.Type, header.Timestamp, _file.Slice(_position + FlvTagHeader.Size, header.DataSize));

        // E.3: each tag is followed by its size (header + body); a truncated last one is tolerated.
        var next = _position + FlvTagHeader.Size + header.DataSize;
        if (_file.Length - next >= 4 && BinaryPrimitives.ReadUInt32BigEndian(_file.Span[next..]) != FlvTagHeader.Size + header.DataSize)
        {
            IsMalformed = true;
            _position = _file.Length;
            return true;
        }

        _position = Math.Min(next + 4, _file.Length);
        return true;
    }

    /// <summary>Goes back to the first tag (for looping).</summary>
    public void Rewind()
    {
        _position = _firstTag;
        IsMalformed = false;
    }
}
