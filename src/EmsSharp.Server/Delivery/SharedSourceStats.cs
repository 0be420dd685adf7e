namespace EmsSharp.Server.Delivery;

/// <summary>One shared delivery source (a stream as one transport sends it) as operators read it.</summary>
/// <param name="Stream">The live stream's name.</param>
/// <param name="Viewers">Viewers reading it now.</param>
/// <param name="Units">Units published so far (RTP access units, or fMP4 fragments).</param>
/// <param name="ViewerDrops">Units its viewers skipped (they lagged, or their transport backed up), left viewers included.</param>
/// <param name="SourceDrops">Frames the source itself dropped because it fell behind the publisher.</param>
internal readonly record struct SharedSourceStats(string Stream, int Viewers, long Units, long ViewerDrops, long SourceDrops);
