using System.Globalization;
using System.Text;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// The outputs one <c>createHLSStream</c> call made (its <c>groupName</c>) and their master playlist (RFC 8216 §4.3.4.2):
/// one EXT-X-STREAM-INF per stream whose codecs are known, with the configured bandwidth or else the peak segment bit rate
/// measured. Thread-safe.
/// </summary>
internal sealed class HlsGroup(string name, string folder, string playlistName, bool createMaster)
    : SegmentedGroup<HlsOutput>(name, folder, playlistName)
{
    private readonly Lock _gate = new();
    private string? _lastWritten;

    public bool CreateMaster { get; } = createMaster;

    public override string? ManifestPath => CreateMaster ? Path.Combine(Folder, ManifestName) : null;

    /// <summary>The master playlist for the disk when it differs from the one written last, else null (or no master).</summary>
    public string? RenderMasterIfChanged()
    {
        if (!CreateMaster)
        {
            return null;
        }

        var text = RenderMaster(http: false);
        lock (_gate)
        {
            if (text is null || text == _lastWritten)
            {
                return null;
            }

            _lastWritten = text;
            return text;
        }
    }

    /// <summary>
    /// The master playlist: over HTTP its variants are <c>&lt;stream&gt;/index.m3u8</c> (the Low-Latency playlists), on disk
    /// <c>&lt;stream&gt;/&lt;playlistName&gt;</c>. Null while no stream's codecs are known.
    /// </summary>
    public string? RenderMaster(bool http)
    {
        var sb = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        var any = false;
        foreach (var output in Members)
        {
            var bandwidth = output.Configuration.Bandwidth > 0 ? output.Configuration.Bandwidth : output.Playlist.PeakBandwidth;
            if (output.Playlist.Codecs is not { } codecs || bandwidth <= 0)
            {
                continue;
            }

            any = true;
            sb.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},CODECS=\"{codecs}\"\n");
            sb.Append(output.Configuration.LocalStreamName).Append('/').Append(http ? "index.m3u8" : output.Configuration.PlaylistName).Append('\n');
        }

        return any ? sb.ToString() : null;
    }
}
