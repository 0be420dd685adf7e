namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// EvoStream 2.0's command names (its <c>help</c>: 74 commands, shared/EVOSTREAM-API.md) that EmsSharp has no
/// implementation of yet, each with what it would take. The registry answers each with an <see cref="UnavailableCommand"/>
/// unless a real command of that name is registered.
/// </summary>
internal static class EvoStreamCommands
{
    private const string Outputs = "outputs (HDS, MSS) are planned";
    private const string NotPlanned = "EmsSharp has no such feature";

    public static IReadOnlyList<(string Name, string Why)> NotYetAnswered { get; } =
    [
        ("createHDSStream", Outputs),
        ("createMSSStream", Outputs),
        ("listHTTPStreamingSessions", Outputs),
        ("transcode", NotPlanned + " (no transcoding: it forwards the source's codecs)"),
        ("createIngestPoint", NotPlanned),
        ("removeIngestPoint", NotPlanned),
        ("listIngestPoints", NotPlanned),
        ("getMetadata", NotPlanned),
        ("pushMetadata", NotPlanned),
        ("shutdownMetadata", NotPlanned),
        ("addMetadataListener", NotPlanned),
        ("listMetadataListeners", NotPlanned),
        ("launchProcess", NotPlanned),
        ("setTimer", NotPlanned),
        ("listTimers", NotPlanned),
        ("removeTimer", NotPlanned),
        ("generateLazyPullFile", NotPlanned),
        ("generateServerPlaylist", NotPlanned),
        ("insertPlaylistItem", NotPlanned),
        ("uploadMedia", NotPlanned),
        ("addStorage", NotPlanned),
        ("listStorage", NotPlanned),
        ("removeStorage", NotPlanned),
        ("setConnectionsCountLimit", NotPlanned + " (the connection caps are settings: docs/OPERATIONS.md)"),
        ("getConnectionsCountLimit", NotPlanned + " (the connection caps are settings: docs/OPERATIONS.md)"),
        ("setBandwidthLimit", NotPlanned),
        ("getBandwidth", NotPlanned),
        ("createService", NotPlanned),
        ("enableService", NotPlanned),
        ("shutdownService", NotPlanned),
        ("listServices", NotPlanned),
    ];
}
