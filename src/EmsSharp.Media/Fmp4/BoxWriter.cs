using System.Buffers.Binary;

namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Writes ISO/IEC 14496-12 boxes (§4.2: 32-bit size, 4CC type, then the body) big-endian into a span.
/// The caller sizes the span beforehand (every writer here computes its exact length first), so an
/// overflow is a bug and throws.
/// </summary>
internal ref struct BoxWriter
{
    private readonly Span<byte> _buffer;

    public BoxWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        Position = 0;
    }

    public int Position { get; private set; }

    /// <summary>Starts a box; returns its offset for <see cref="EndBox"/>, which patches the size.</summary>
    public int BeginBox(uint type)
    {
        var start = Position;
        WriteUInt32(0);
        WriteUInt32(type);
        return start;
    }

    /// <summary>Starts a FullBox (§4.2): box header, version (8), flags (24).</summary>
    public int BeginFullBox(uint type, byte version, uint flags)
    {
        var start = BeginBox(type);
        WriteUInt32(((uint)version << 24) | (flags & 0xFFFFFF));
        return start;
    }

    public readonly void EndBox(int start) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[start..], (uint)(Position - start));

    public void WriteByte(byte value) => _buffer[Position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
        Position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[Position..], value);
        Position += 8;
    }

    public void WriteZeros(int count)
    {
        _buffer.Slice(Position, count).Clear();
        Position += count;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Position..]);
        Position += bytes.Length;
    }

    /// <summary>Writes a 32-bit value at an earlier offset (e.g. a trun data_offset known only later).</summary>
    public readonly void PatchUInt32(int offset, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[offset..], value);

    /// <summary>A four-character code as its big-endian 32-bit value.</summary>
    public static uint FourCc(string code) =>
        ((uint)code[0] << 24) | ((uint)code[1] << 16) | ((uint)code[2] << 8) | code[3];
}
