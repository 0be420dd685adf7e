namespace EmsSharp.Server.Delivery.Hls;

/// <summary>Where an HLS output's files go: the disk, or a test's fake (a slow or blocked disk).</summary>
internal interface IHlsFileSystem
{
    /// <summary>
    /// Writes <paramref name="path"/> atomically: readers see the old file or the whole new one, never part of one. Blocks:
    /// called on the output's own writer thread (ARCHITECTURE.md rule 10), never on the thread pool.
    /// </summary>
    void WriteAtomic(string path, ReadOnlySpan<byte> bytes);

    /// <summary>Deletes a file; false when it was not there or could not be deleted.</summary>
    bool TryDelete(string path);
}

/// <summary>
/// The disk: each file is written to <c>name.tmp</c> in its folder and renamed over the name, so an HTTP server or a player
/// reading the folder never gets half a segment or half a playlist (rename is atomic within a file system, POSIX rename(2)).
/// </summary>
internal sealed class HlsDiskFileSystem : IHlsFileSystem
{
    public static HlsDiskFileSystem Instance { get; } = new();

    public void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
        }

        File.Move(temp, path, overwrite: true);
    }

    public bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
