using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>
/// The outputs one <c>createDASHStream</c> call made (its <c>groupName</c>) and their MPD: every stream's Representations in
/// one MPD (<see cref="DashManifest"/>), written to the group's folder as <c>manifestName</c>. Thread-safe.
/// </summary>
internal sealed class DashGroup(string name, string folder, string manifestName, TimeProvider time)
    : SegmentedGroup<DashOutput>(name, folder, manifestName)
{
    public override string? ManifestPath => Path.Combine(Folder, ManifestName);

    /// <summary>
    /// A member's segment reached the disk (or was given up): the group's MPD is rewritten, always by the group's first
    /// member's writer, whichever member asks.
    /// </summary>
    public void RequestMpdWrite()
    {
        if (Members is [var writer, ..])
        {
            writer.WriteGroupMpd();
        }
    }

    /// <summary>
    /// The group's MPD: on disk (<paramref name="http"/> false) the segments each stream's writer has written, under
    /// <c>&lt;stream&gt;/</c>; over HTTP (served at <c>/&lt;groupName&gt;.mpd</c>) those in memory, with a UTCTiming. Null
    /// before a stream has a segment.
    /// </summary>
    public string? RenderMpd(bool http)
    {
        var members = Members;
        if (members.Count == 0)
        {
            return null;
        }

        var representations = members.SelectMany(m => m.Representations(m.LocalStreamName + "/", onDiskOnly: !http)).ToList();
        var first = members[0].Configuration;
        var now = time.GetUtcNow();
        return DashManifest.Render(representations, TimeSpan.FromSeconds(first.ChunkLength), first.TimeShiftBufferDepth, now, http ? now : null);
    }
}
