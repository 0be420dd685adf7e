using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>The checks of <c>createHLSStream</c>'s names, numbers and folders (each FAIL says which argument and why).</summary>
internal static class HlsValidation
{
    public const int MaxPlaylistLength = 1000;
    public const int MaxChunkLength = 3600;
    public const int MaxStreams = 16;
    private const int MaxFileNameLength = 128;

    /// <summary>A plain file name: letters, digits, <c>-_.</c>, not only dots, no separator.</summary>
    public static bool IsFileName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxFileNameLength && name.Trim('.').Length > 0 &&
        name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// A stream name that is also a safe folder below the target folder: a valid stream name (<see cref="StreamName"/>) whose
    /// <c>/</c>-separated parts are never empty, <c>.</c> or <c>..</c> (a name may hold <c>/</c>, never leave its folder).
    /// </summary>
    public static bool IsStreamFolderName(string name, out string reason)
    {
        if (!StreamName.IsValid(name, out reason))
        {
            return false;
        }

        if (name.Split('/').Any(static part => part.Length == 0 || part.Trim('.').Length == 0))
        {
            reason = "a stream name written to disk may not hold empty, '.' or '..' path parts";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Resolves <paramref name="targetFolder"/>: relative to the media folder, or absolute under the media folder or an allowed
    /// folder, after <c>..</c> and <c>.</c> are resolved. Null and why when it would leave them.
    /// </summary>
    public static string? ResolveTargetFolder(string targetFolder, HlsOptions options, out string error)
    {
        error = "";
        if (targetFolder.Length > 1024 || targetFolder.Any(char.IsControl))
        {
            error = "at most 1024 characters, no control characters";
            return null;
        }

        var media = options.MediaFolderFullPath;
        var full = Path.GetFullPath(Path.IsPathFullyQualified(targetFolder) ? targetFolder : Path.Combine(media, targetFolder));
        var roots = options.AllowedFolders.Select(Path.GetFullPath).Prepend(media);
        if (!roots.Any(root => IsUnder(full, root)))
        {
            error = $"{targetFolder} resolves to {full}, outside the media folder {media} and Hls:AllowedFolders";
            return null;
        }

        return full;
    }

    private static bool IsUnder(string path, string root)
    {
        var r = Path.TrimEndingDirectorySeparator(root);
        return path.Equals(r, StringComparison.Ordinal) ||
            path.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>Whether the ems can create and write files in <paramref name="folder"/> (it creates the folder when needed).</summary>
    public static bool IsWritable(string folder, out string error)
    {
        error = "";
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, ".ems-write-probe-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = ex.Message;
            return false;
        }
    }
}
