using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>HLS outputs (<c>createHLSStream</c>), bound from the <c>Hls</c> section.</summary>
internal sealed class HlsOptions
{
    public const string SectionName = "Hls";

    /// <summary>
    /// The ems's media folder (relative to the working directory): a relative <c>targetFolder</c> is resolved under it, and
    /// an absolute one must lie under it or under one of <see cref="AllowedFolders"/>. No <c>..</c> may leave it.
    /// </summary>
    public string MediaFolder { get; set; } = "./media";

    /// <summary>More folders an absolute <c>targetFolder</c> may lie under (a web server's document root, say).</summary>
    public List<string> AllowedFolders { get; set; } = [];

    /// <summary>The LL-HLS part target duration (RFC 8216bis §4.4.3.7 PART-TARGET).</summary>
    public TimeSpan PartTarget { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Frames an output's hub reader may lag (a slow disk) before it drops to the next keyframe.</summary>
    public int ReaderCapacity { get; set; } = 600;

    /// <summary>
    /// Segment bytes one output may have waiting for the disk. Its files are written by its own writer, never by the loop
    /// that reads the stream; when the disk is blocked or too slow and a new segment would pass this, the oldest waiting
    /// segments are dropped (counted, <c>droppedSegments</c>; the playlist on disk marks them EXT-X-GAP).
    /// </summary>
    public long MaxPendingWriteBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Segment bytes one output holds in memory for HTTP; older segments then leave the served playlist sooner.</summary>
    public long MaxMemoryBytesPerStream { get; set; } = 64L * 1024 * 1024;

    /// <summary>The longest a blocking playlist reload or a preload-hinted part is held (RFC 8216bis §6.2.5.2); then 503.</summary>
    public TimeSpan BlockingRequestTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Parked (blocking) requests in all; more get 503 at once.</summary>
    public int MaxBlockingRequests { get; set; } = 2000;

    /// <summary>Parked (blocking) requests one remote address may hold; more get 429.</summary>
    public int MaxBlockingRequestsPerAddress { get; set; } = 16;

    /// <summary>Outputs (one per stream of createHLSStream) in all.</summary>
    public int MaxOutputs { get; set; } = 256;

    public string MediaFolderFullPath => Path.GetFullPath(MediaFolder);
}

/// <summary>Checks <see cref="HlsOptions"/> at start-up.</summary>
internal sealed class HlsOptionsValidator : IValidateOptions<HlsOptions>
{
    public ValidateOptionsResult Validate(string? name, HlsOptions options)
    {
        var failures = new List<string>();
        if (options.PartTarget < TimeSpan.FromMilliseconds(50) || options.PartTarget > TimeSpan.FromSeconds(5))
        {
            failures.Add("Hls:PartTarget must be 00:00:00.050 to 00:00:05.");
        }

        if (options.ReaderCapacity < 16)
        {
            failures.Add("Hls:ReaderCapacity must be at least 16.");
        }

        if (options.MaxMemoryBytesPerStream < 1024 * 1024)
        {
            failures.Add("Hls:MaxMemoryBytesPerStream must be at least 1048576.");
        }

        if (options.MaxPendingWriteBytes < 1024 * 1024)
        {
            failures.Add("Hls:MaxPendingWriteBytes must be at least 1048576.");
        }

        if (options.BlockingRequestTimeout <= TimeSpan.Zero || options.BlockingRequestTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Hls:BlockingRequestTimeout must be > 0 and <= 1 minute.");
        }

        if (options.MaxBlockingRequests < 1 || options.MaxBlockingRequestsPerAddress < 1 ||
            options.MaxBlockingRequestsPerAddress > options.MaxBlockingRequests)
        {
            failures.Add("Hls:MaxBlockingRequests must be at least 1 and Hls:MaxBlockingRequestsPerAddress 1..MaxBlockingRequests.");
        }

        if (options.MaxOutputs < 1)
        {
            failures.Add("Hls:MaxOutputs must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(options.MediaFolder) || options.AllowedFolders.Exists(f => !Path.IsPathFullyQualified(f)))
        {
            failures.Add("Hls:MediaFolder must be set and every Hls:AllowedFolders entry an absolute path.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
