using System.Globalization;

namespace EmsSharp.Server.Recording;

/// <summary>
/// Where a recording's files go. A relative <c>pathToFile</c> is taken in the media folder (<see cref="RecordOptions.MediaFolder"/>)
/// and may not leave it; an absolute one is taken as it is; neither may hold a <c>..</c> segment. A path that ends with a
/// separator, or names a folder, gets the stream's name as file name. The file name gets the type's extension when it has
/// another one. The n-th file of a recording (a chunk, or the file made when the stream came back) is
/// <c>&lt;base&gt;_&lt;n&gt;.&lt;ext&gt;</c>, n from 1 (EvoStream's chunk names are not documented); the first file of an unchunked
/// recording is the path itself. With dateFolderStructure, each file goes into <c>yyyy/MM/dd</c> (UTC, the day it was
/// opened) under the path's folder.
/// </summary>
internal static class RecordPath
{
    /// <summary>The full path of the recording's base file, or why <paramref name="pathToFile"/> is refused.</summary>
    public static bool TryResolve(
        string pathToFile, string type, string localStreamName, string mediaFolder, out string computed, out string error)
    {
        computed = "";
        error = "";
        if (pathToFile.Length == 0 || pathToFile.Length > 4096 || pathToFile.Any(char.IsControl))
        {
            error = "Invalid value for pathtofile: expected a file path without control characters";
            return false;
        }

        var segments = pathToFile.Split('/', '\\');
        if (segments.Any(static s => s == ".."))
        {
            error = $"Invalid value for pathtofile: {pathToFile} contains '..' (path traversal is refused)";
            return false;
        }

        var root = Path.GetFullPath(mediaFolder);
        var full = Path.GetFullPath(Path.IsPathFullyQualified(pathToFile) ? pathToFile : Path.Combine(root, pathToFile));
        var trimmed = Path.TrimEndingDirectorySeparator(root);
        var inside = full == trimmed || full.StartsWith(trimmed + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!Path.IsPathFullyQualified(pathToFile) && !inside)
        {
            error = $"Invalid value for pathtofile: {pathToFile} leaves the media folder {root}";
            return false;
        }

        if (segments[^1].Length == 0 || Directory.Exists(full))
        {
            full = Path.Combine(full, localStreamName);
        }

        if (!full.EndsWith("." + type, StringComparison.OrdinalIgnoreCase))
        {
            full += "." + type;
        }

        computed = full;
        return true;
    }

    /// <summary>The type named by <paramref name="pathToFile"/>'s extension (mp4, flv or ts), or null.</summary>
    public static string? TypeOf(string pathToFile) =>
        Path.GetExtension(pathToFile).ToLowerInvariant() switch
        {
            ".mp4" => RecordType.Mp4,
            ".flv" => RecordType.Flv,
            ".ts" => RecordType.Ts,
            _ => null,
        };

    /// <summary>The path of file <paramref name="sequence"/> (0: the path itself) of a recording whose base file is <paramref name="computed"/>.</summary>
    public static string FileName(string computed, int sequence, bool dateFolders, DateTimeOffset now)
    {
        var folder = Path.GetDirectoryName(computed)!;
        var extension = Path.GetExtension(computed);
        var name = Path.GetFileNameWithoutExtension(computed);
        if (sequence > 0)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{name}_{sequence}");
        }

        if (dateFolders)
        {
            var day = now.UtcDateTime;
            folder = Path.Combine(folder, day.ToString("yyyy", CultureInfo.InvariantCulture), day.ToString("MM", CultureInfo.InvariantCulture),
                day.ToString("dd", CultureInfo.InvariantCulture));
        }

        return Path.Combine(folder, name + extension);
    }

    /// <summary>Null when the ems can create files in <paramref name="folder"/> (creating it if needed), else why not.</summary>
    public static string? CheckWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, ".ems-write-test-" + Guid.NewGuid().ToString("N"));
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Cannot write to folder {folder}: {ex.Message}";
        }
    }
}
