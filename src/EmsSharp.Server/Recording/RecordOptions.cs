namespace EmsSharp.Server.Recording;

/// <summary>Recording configuration (the <c>record</c> command), bound from the <c>Record</c> section.</summary>
internal sealed class RecordOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Record";

    /// <summary>
    /// Where a relative <c>pathToFile</c> goes (relative to the working directory, as <c>DataFolder</c>); a relative path
    /// may not leave it. Absolute paths are taken as they are.
    /// </summary>
    public string MediaFolder { get; set; } = "./media";

    /// <summary>How many frames a recording may lag behind the publisher (a slow disk) before it skips to the next keyframe (the drops are counted).</summary>
    public int QueueFrames { get; set; } = 1_024;

    /// <summary>
    /// The longest mp4 fragment: a fragment ends before every keyframe and at this length, and is written and flushed
    /// whole, so a crash loses at most the last one.
    /// </summary>
    public TimeSpan FragmentDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The media folder as an absolute path.</summary>
    public string MediaFolderFullPath => Path.GetFullPath(MediaFolder);
}
