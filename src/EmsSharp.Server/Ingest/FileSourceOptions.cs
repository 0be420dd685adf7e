namespace EmsSharp.Server.Ingest;

/// <summary>One FLV file played as a live stream.</summary>
internal sealed class FileSourceOptions
{
    /// <summary>The live stream name; the file name without extension when empty.</summary>
    public string StreamName { get; set; } = string.Empty;

    /// <summary>Path of the FLV file (relative paths are relative to the working directory).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Start again at the end, with timestamps continuing.</summary>
    public bool Loop { get; set; } = true;

    /// <summary>The stream name to publish under.</summary>
    public string EffectiveStreamName =>
        string.IsNullOrWhiteSpace(StreamName) ? System.IO.Path.GetFileNameWithoutExtension(Path) : StreamName;
}
