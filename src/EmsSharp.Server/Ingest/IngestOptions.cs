namespace EmsSharp.Server.Ingest;

/// <summary>Ingest configuration, bound from the <c>Ingest</c> section.</summary>
internal sealed class IngestOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Ingest";

    /// <summary>Whether the RTMP server runs.</summary>
    public bool RtmpEnabled { get; set; } = true;

    /// <summary>RTMP listening port; 0 picks an ephemeral port (tests).</summary>
    public int RtmpPort { get; set; } = 1935;

    /// <summary>RTMP listening address.</summary>
    public string RtmpAddress { get; set; } = "0.0.0.0";

    /// <summary>Most RTMP connections at once; more are closed at accept.</summary>
    public int RtmpMaxConnections { get; set; } = 256;

    /// <summary>An RTMP connection silent this long is closed.</summary>
    public TimeSpan RtmpIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest RTMP message accepted, in bytes.</summary>
    public int RtmpMaxMessageLength { get; set; } = 8 * 1024 * 1024;

    /// <summary>FLV files played as looping live streams.</summary>
    public List<FileSourceOptions> FileSources { get; set; } = [];
}
