namespace EmsSharp.Media.Hub;

/// <summary>A snapshot of a live stream's counters, for listStreams / getStreamInfo.</summary>
/// <param name="Id">The stream's unique id.</param>
/// <param name="Name">The stream's name.</param>
/// <param name="CreatedAt">When the publisher started (wall clock of the hub's time provider).</param>
/// <param name="VideoFrames">Video frames published so far.</param>
/// <param name="AudioFrames">Audio frames published so far.</param>
/// <param name="Bytes">Payload bytes published so far.</param>
/// <param name="BitsPerSecond">Payload bit rate over the last measured second.</param>
/// <param name="VideoBytes">Video payload bytes published so far.</param>
/// <param name="AudioBytes">Audio payload bytes published so far.</param>
/// <param name="VideoBitsPerSecond">Video payload bit rate over the last measured second.</param>
/// <param name="AudioBitsPerSecond">Audio payload bit rate over the last measured second.</param>
/// <param name="Readers">Readers attached now.</param>
/// <param name="DroppedFrames">Frames dropped by readers that fell behind, including detached ones.</param>
public readonly record struct LiveStreamStats(
    long Id,
    string Name,
    DateTimeOffset CreatedAt,
    long VideoFrames,
    long AudioFrames,
    long Bytes,
    long BitsPerSecond,
    long VideoBytes,
    long AudioBytes,
    long VideoBitsPerSecond,
    long AudioBitsPerSecond,
    int Readers,
    long DroppedFrames);
