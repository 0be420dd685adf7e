namespace EmsSharp.Server.Delivery.Hls;

/// <summary>What <see cref="HlsSegmenter"/> produced, in stream order.</summary>
internal abstract record HlsSegmenterEvent;

/// <summary>A new initialization segment (ftyp+moov): the first, or after a track configuration changed.</summary>
/// <remarks>Version: 0 for the first, then 1, 2...: the file is <c>init.mp4</c>, then <c>init_1.mp4</c>...</remarks>
/// <remarks>Codecs: The RFC 6381 codecs of the tracks (the master playlist's CODECS).</remarks>
internal sealed record HlsInitReady(int Version, byte[] Bytes, string Codecs) : HlsSegmenterEvent;

/// <summary>A media segment begins (at a keyframe).</summary>
/// <remarks>Discontinuity: It follows a new init segment or a gap: the playlist marks it (RFC 8216 §4.3.2.3).</remarks>
internal sealed record HlsSegmentStarted(long Sequence, bool Discontinuity, int InitVersion) : HlsSegmenterEvent;

/// <summary>One partial segment (one or more moof+mdat), appended to segment <paramref name="Sequence"/>.</summary>
/// <remarks>Independent: It starts with a keyframe (RFC 8216bis §4.4.4.9 INDEPENDENT=YES).</remarks>
internal sealed record HlsPartReady(long Sequence, int Index, byte[] Bytes, TimeSpan Duration, bool Independent) : HlsSegmenterEvent;

/// <summary>Segment <paramref name="Sequence"/> is complete: the sum of its parts.</summary>
/// <remarks>
/// Start, Length, Timescale: where it starts and how long it is on the clock track's own timeline (its tfdt, relative to the
/// first sample since the last init segment), in <c>Timescale</c> units per second: a DASH SegmentTimeline's t and d.
/// </remarks>
internal sealed record HlsSegmentEnded(long Sequence, TimeSpan Duration, long Start = 0, long Length = 0, long Timescale = 1) : HlsSegmenterEvent;
