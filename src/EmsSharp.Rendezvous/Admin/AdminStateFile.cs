using System.Runtime.InteropServices;
using System.Text.Json;
using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.Admin;

/// <summary>
/// The admin state file (ours): what <c>addRoom</c>, <c>addToken</c>, <c>addEMSToken</c> and their
/// <c>del</c> commands changed, so a restart keeps it. Each save writes a temporary file (mode 0600) in the
/// same folder, fsyncs it, renames it over the old one and fsyncs the folder, so a crash leaves either the
/// old file or the new one (rename(2) is atomic within a file system; the folder fsync makes the rename durable).
/// </summary>
internal sealed partial class AdminStateFile(string path)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
    };

    private readonly Lock _saveLock = new();

    public string Path { get; } = path;

    /// <summary>The saved state, or null when there is no file yet.</summary>
    /// <exception cref="InvalidDataException">The file exists but cannot be read, or not as a state file; nothing is changed.</exception>
    public AdminState? Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"admin state file {Path} cannot be read: {e.Message}", e);
        }

        AdminState? state;
        try
        {
            state = JsonSerializer.Deserialize<AdminState>(bytes, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"admin state file {Path} is not valid ({e.Message}): fix or delete it", e);
        }

        if (state?.AllowedRooms is null || state.EmsTokens is null || state.Tokens is null
            || state.AllowedRooms.Exists(string.IsNullOrEmpty)
            || state.EmsTokens.Exists(t => string.IsNullOrEmpty(t?.Token))
            || state.Tokens.Exists(t => string.IsNullOrEmpty(t?.Token)))
        {
            throw new InvalidDataException($"admin state file {Path} has a null list or an empty entry: fix or delete it");
        }

        return state;
    }

    /// <summary>Writes the state <paramref name="snapshot"/> returns, taken under the save lock so the last save holds the latest state.</summary>
    /// <exception cref="IOException">The file could not be written; the old one is untouched.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the old file is untouched.</exception>
    public void Save(Func<AdminState> snapshot)
    {
        lock (_saveLock)
        {
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(snapshot(), JsonOptions);
            string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
            Directory.CreateDirectory(directory);
            string temp = Path + ".tmp";
            FileStreamOptions create = new() { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (FileStream stream = new(temp, create))
            {
                stream.Write(body);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode applies only to a new file: a temp left by a crash keeps its mode otherwise.
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, Path, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                SyncDirectory(directory);
            }
        }
    }

    /// <summary>fsync(2) on the folder, so the rename itself survives a crash (POSIX leaves it to the folder's metadata).</summary>
    private static void SyncDirectory(string directory)
    {
        int fd = Open(directory, 0); // O_RDONLY
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to sync it: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = CloseFd(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
