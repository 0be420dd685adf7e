namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// What an <see cref="RtmpClientSession"/> in publish mode sends (RTMP 1.0 §7.2.1.1 connect, §7.2.2.6 publish).
/// </summary>
/// <param name="Type">The publishing type of §7.2.2.6: <c>live</c>, <c>record</c> or <c>append</c>.</param>
/// <param name="ChunkSize">When above 128, a Set Chunk Size message (§5.4.1) goes before connect and media use it.</param>
/// <param name="FlashVersion">connect's <c>flashVer</c> (the user agent servers log).</param>
/// <param name="SwfUrl">connect's <c>swfUrl</c>, or null.</param>
/// <param name="PageUrl">connect's <c>pageUrl</c>, or null.</param>
public sealed record RtmpPublishOptions(
    string Type = "live", int ChunkSize = 0, string FlashVersion = "FMLE/3.0 (compatible; EmsSharp)", string? SwfUrl = null, string? PageUrl = null)
{
    /// <summary>The publishing types §7.2.2.6 names.</summary>
    public static bool IsValidType(string? type) => type is "live" or "record" or "append";
}
