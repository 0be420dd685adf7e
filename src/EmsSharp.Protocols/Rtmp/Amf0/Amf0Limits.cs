namespace EmsSharp.Protocols.Rtmp.Amf0;

/// <summary>Bounds on what one AMF0 decode may build, so a hostile peer cannot exhaust memory or stack.</summary>
/// <param name="MaxDepth">Deepest nesting of objects and arrays.</param>
/// <param name="MaxValues">Most values (properties and array items included) in one decode.</param>
/// <param name="MaxStringBytes">Longest string in bytes.</param>
public sealed record Amf0Limits(int MaxDepth = 16, int MaxValues = 4096, int MaxStringBytes = 1024 * 1024)
{
    /// <summary>Limits suitable for RTMP commands and metadata.</summary>
    public static Amf0Limits Default { get; } = new();
}
