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

    /// <summary>Most RTMP connections from one remote address; more are closed at accept.</summary>
    public int RtmpMaxConnectionsPerAddress { get; set; } = 32;

    /// <summary>An RTMP connection that completes no handshake part or message this long is closed.</summary>
    public TimeSpan RtmpIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest RTMP message accepted, in bytes.</summary>
    public int RtmpMaxMessageLength { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Read keys of RTMP players by stream name (<c>*</c> for any other name), as <c>WsFmp4:ReadKeys</c> and
    /// <c>Whep:ReadKeys</c> are for theirs. Empty: anyone may play any stream (EvoStream's behaviour). Set: a player adds
    /// <c>?key=...</c> to the stream name (<c>rtmp://host/live/cam1?key=...</c>) and only the name's key (or the <c>*</c>
    /// one) admits it; others get <c>NetStream.Play.Failed</c>.
    /// </summary>
    public Dictionary<string, string> RtmpReadKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long an RTMP player of a stream that is not live yet waits for it before <c>NetStream.Play.StreamNotFound</c>.</summary>
    public TimeSpan RtmpPlayWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An RTMP connection whose socket takes none of the bytes queued for it this long is closed: a player that stopped
    /// reading is dropped instead of being buffered for.
    /// </summary>
    public TimeSpan RtmpSendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many frames an RTMP player may lag behind the publisher before it skips to the next keyframe (the drops are counted).</summary>
    public int RtmpPlayQueueFrames { get; set; } = 1_024;

    /// <summary>Whether the RTSP server runs.</summary>
    public bool RtspEnabled { get; set; } = true;

    /// <summary>RTSP listening port; 0 picks an ephemeral port (tests).</summary>
    public int RtspPort { get; set; } = 5544;

    /// <summary>RTSP listening address (UDP RTP ports are bound on the address a publisher connected to).</summary>
    public string RtspAddress { get; set; } = "0.0.0.0";

    /// <summary>Most RTSP connections at once; more are closed at accept.</summary>
    public int RtspMaxConnections { get; set; } = 256;

    /// <summary>Most RTSP connections from one remote address; more are closed at accept.</summary>
    public int RtspMaxConnectionsPerAddress { get; set; } = 32;

    /// <summary>An RTSP session with neither requests nor RTP this long is closed (also the announced session timeout).</summary>
    public TimeSpan RtspIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// RTSP read keys by stream name (<c>*</c> for any other name), as <c>WsFmp4:ReadKeys</c>. Empty: any RTSP player may
    /// play any live stream. Set: a player adds <c>?key=...</c> to the URL (<c>rtsp://host:5544/cam1?key=SECRET</c>) and is
    /// refused with 401 without one, 403 with a wrong one.
    /// </summary>
    public Dictionary<string, string> RtspReadKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long an RTSP DESCRIBE waits for a stream that is not live yet before 404 (as the other players wait).</summary>
    public TimeSpan RtspStreamWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An RTSP player over TCP that reads nothing this long is dropped, so a stalled player buffers nothing.</summary>
    public TimeSpan RtspSendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Publish keys by stream name (<c>*</c> for any other name). Empty: anyone may publish any free valid name
    /// (EvoStream's behaviour; the server warns at start). Set: RTMP and RTSP publishers add <c>?key=...</c> to the name.
    /// </summary>
    public Dictionary<string, string> PublishKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Publish users by stream name (<c>*</c> for any other name), each <c>user:password</c>: RTMP publishers add
    /// <c>?user=...&amp;pass=...</c> to the name, RTSP publishers answer the Digest challenge
    /// (<c>rtsp://user:password@host/name</c>). A name with both a key and a user accepts either.
    /// </summary>
    public Dictionary<string, string> PublishUsers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>An HTTP endpoint asked before each publish (nginx-rtmp's <c>on_publish</c>); unset: none.</summary>
    public PublishCallbackOptions PublishCallback { get; set; } = new();

    /// <summary>
    /// A publisher presenting the same credentials as the one holding a live name takes the name over (the old
    /// connection is closed), so a camera that reconnects after a network drop gets its name back at once (MediaMTX's
    /// <c>overridePublisher</c>). Only credentialed names: with open publishing a live name is always refused.
    /// </summary>
    public bool OverridePublisher { get; set; } = true;

    /// <summary>FLV files played as looping live streams.</summary>
    public List<FileSourceOptions> FileSources { get; set; } = [];
}
