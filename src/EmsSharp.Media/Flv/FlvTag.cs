namespace EmsSharp.Media.Flv;

/// <summary>One tag of an FLV file.</summary>
/// <param name="Type">The tag type.</param>
/// <param name="Timestamp">The timestamp in milliseconds.</param>
/// <param name="Body">The tag body, a slice of the file's buffer (not copied).</param>
public readonly record struct FlvTag(FlvTagType Type, uint Timestamp, ReadOnlyMemory<byte> Body);
