namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>What an RTSP player's session is allowed (from <c>Ingest:Rtsp*</c>).</summary>
/// <param name="ReadKeys">Read keys by stream name (<c>*</c> for any other); empty: anyone may play.</param>
/// <param name="StreamWaitTimeout">How long DESCRIBE waits for a stream that is not live yet before 404.</param>
/// <param name="SessionTimeout">The session timeout announced in the Session header (RFC 2326 §12.37).</param>
/// <param name="SendTimeout">A player that reads nothing this long is dropped.</param>
/// <param name="ReaderFrames">The player's hub reader bound in frames; past it the reader drops to the next keyframe.</param>
internal sealed record RtspPlaybackSettings(
    IReadOnlyDictionary<string, string> ReadKeys, TimeSpan StreamWaitTimeout, TimeSpan SessionTimeout, TimeSpan SendTimeout, int ReaderFrames);
