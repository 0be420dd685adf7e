using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Configs;

/// <summary>
/// The configuration store of PROTOCOL.md §1.4: unique, monotonically increasing <c>configId</c>s (the
/// next id is persisted, so ids are never reused, even after removal and across restarts); keepAlive
/// configurations saved to <c>configs.json</c> in the data folder and replayed at start-up.
/// </summary>
/// <remarks>
/// File format: a first line <c>sha256=&lt;hex of the body&gt;</c>, then the JSON body
/// <c>{"version":1,"nextConfigId":N,"configurations":[{"configId","operationType","keepAlive","data"}]}</c>.
/// Each change is written to a temp file (mode 0600: the file holds ERS tokens and stream credentials), fsynced
/// and renamed over the old one, and the folder is fsynced, so a crash leaves the old or the new file, never half
/// of one. A change is saved before the table changes: a failed save throws <see cref="IOException"/> and
/// leaves the table as it was, and a removal, once acknowledged, never comes back after a crash. A file that fails its checksum or does not parse is
/// renamed to <c>configs.json.corrupt-&lt;timestamp&gt;</c> and the server starts empty.
/// Thread-safe: one lock around the table and the file.
/// </remarks>
internal sealed partial class ConfigurationStore
{
    public const string FileName = "configs.json";
    private const string ChecksumPrefix = "sha256=";
    private const int MaxFileBytes = 64 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, ConfigurationEntry> _entries = [];
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigurationStore> _logger;
    private long _nextConfigId = 1;
    private bool _loaded;

    public ConfigurationStore(IOptions<EmsOptions> options, TimeProvider time, ILogger<ConfigurationStore> logger)
    {
        FilePath = Path.Combine(options.Value.DataFolderFullPath, FileName);
        _time = time;
        _logger = logger;
    }

    public string FilePath { get; }

    /// <summary>The id the next <see cref="Add"/> will get.</summary>
    public long NextConfigId
    {
        get
        {
            lock (_gate)
                return _nextConfigId;
        }
    }

    /// <summary>Reads the saved file once (later calls do nothing). A bad file is renamed aside.</summary>
    public void Load()
    {
        lock (_gate)
        {
            if (_loaded)
                return;
            _loaded = true;
            if (!File.Exists(FilePath))
                return;
            RestrictMode();
            string? reason;
            try
            {
                var info = new FileInfo(FilePath);
                reason = info.Length > MaxFileBytes ? $"larger than {MaxFileBytes} bytes" : TryParse(File.ReadAllBytes(FilePath));
            }
            catch (IOException ex)
            {
                reason = ex.Message;
            }

            if (reason is null)
            {
                LogLoaded(_logger, _entries.Count, FilePath, _nextConfigId);
                return;
            }

            _entries.Clear();
            _nextConfigId = 1;
            SalvageNextConfigId();
            var aside = FilePath + ".corrupt-" + _time.GetUtcNow().ToString("yyyyMMddTHHmmssfffZ", CultureInfo.InvariantCulture);
            File.Move(FilePath, aside, overwrite: true);
            LogCorrupt(_logger, FilePath, reason, aside, _nextConfigId);
        }
    }

    /// <summary>
    /// Allocates the next configId, builds the configuration's data with it and saves the store; the table
    /// changes only once the file is saved (a failed save throws <see cref="IOException"/> and changes nothing).
    /// Runs <paramref name="createData"/> under the store lock: keep it cheap.
    /// </summary>
    public ConfigurationEntry Add(OperationType operationType, bool keepAlive, Func<long, JsonObject> createData)
    {
        lock (_gate)
        {
            var id = _nextConfigId;
            var entry = new ConfigurationEntry(id, operationType, keepAlive, createData(id));
            Save(id + 1, _entries.Values.Append(entry));
            _entries.Add(id, entry);
            _nextConfigId = id + 1;
            return entry;
        }
    }

    /// <summary>Removes a configuration (see <see cref="Remove"/>); false when there is none with that id.</summary>
    public bool TryRemove(long configId, out ConfigurationEntry entry)
    {
        var removed = Remove([configId]);
        entry = removed.Count == 1 ? removed[0] : null!;
        return removed.Count == 1;
    }

    /// <summary>
    /// Removes the configurations of <paramref name="configIds"/> that exist, in one save: the file is written
    /// first and the table changed after, so a crash never brings a removed configuration back and a failed
    /// save throws <see cref="IOException"/> with the table unchanged.
    /// </summary>
    public IReadOnlyList<ConfigurationEntry> Remove(IReadOnlyCollection<long> configIds)
    {
        lock (_gate)
        {
            var removed = new List<ConfigurationEntry>();
            foreach (var id in configIds)
            {
                if (_entries.TryGetValue(id, out var entry))
                    removed.Add(entry);
            }

            if (removed.Exists(static e => e.KeepAlive))
                Save(_nextConfigId, _entries.Values.Where(e => !configIds.Contains(e.ConfigId)));
            foreach (var entry in removed)
                _entries.Remove(entry.ConfigId);
            return removed;
        }
    }

    public bool TryGet(long configId, out ConfigurationEntry entry)
    {
        lock (_gate)
            return _entries.TryGetValue(configId, out entry!);
    }

    /// <summary>All configurations, by configId.</summary>
    public IReadOnlyList<ConfigurationEntry> Snapshot()
    {
        lock (_gate)
            return [.. _entries.Values];
    }

    /// <summary>Computes the checksum line content for a body (exposed for tests).</summary>
    public static string Checksum(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private string? TryParse(byte[] file)
    {
        var newline = Array.IndexOf(file, (byte)'\n');
        if (newline < 0)
            return "no checksum line";
        var header = Encoding.ASCII.GetString(file, 0, newline).TrimEnd('\r');
        var body = file.AsSpan(newline + 1);
        if (!header.StartsWith(ChecksumPrefix, StringComparison.Ordinal))
            return "no checksum line";
        if (!string.Equals(header[ChecksumPrefix.Length..], Checksum(body), StringComparison.OrdinalIgnoreCase))
            return "checksum mismatch";
        try
        {
            if (JsonNode.Parse(body) is not JsonObject root
                || root["nextConfigId"]?.GetValue<long>() is not long next
                || root["configurations"] is not JsonArray list)
                return "missing nextConfigId or configurations";
            foreach (var item in list)
            {
                if (item is not JsonObject obj
                    || obj["configId"]?.GetValue<long>() is not long id
                    || obj["operationType"]?.GetValue<int>() is not int type
                    || obj["data"] is not JsonObject data
                    || id <= 0 || id >= next || _entries.ContainsKey(id))
                    return "malformed configuration entry";
                obj.Remove("data");
                _entries.Add(id, new ConfigurationEntry(id, (OperationType)type, true, data));
            }

            _nextConfigId = next;
            return null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            _entries.Clear();
            return ex.Message;
        }
    }

    /// <summary>
    /// Keeps ids unique even past a corrupt file: when its body still holds a readable
    /// <c>nextConfigId</c>, new configurations continue from there.
    /// </summary>
    private void SalvageNextConfigId()
    {
        try
        {
            var file = File.ReadAllBytes(FilePath);
            var newline = Array.IndexOf(file, (byte)'\n');
            if (JsonNode.Parse(file.AsSpan(newline + 1)) is JsonObject root
                && root["nextConfigId"]?.GetValue<long>() is long next and > 1)
                _nextConfigId = next;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or IOException)
        {
            // nothing to salvage
        }
    }

    /// <summary>A file written by an older version may be readable by others: make it owner-only, as saves do.</summary>
    private void RestrictMode()
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (OperatingSystem.IsWindows())
            return;
        try
        {
            if (File.GetUnixFileMode(FilePath) != OwnerOnly)
                File.SetUnixFileMode(FilePath, OwnerOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogModeNotRestricted(_logger, FilePath, ex.Message);
        }
    }

    /// <summary>
    /// Writes <paramref name="entries"/> to a temp file created with mode 0600 (the file holds ERS tokens and
    /// stream credentials), fsyncs it, renames it over the file and fsyncs the folder so the rename is durable.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the message says which and why.</exception>
    private void Save(long nextConfigId, IEnumerable<ConfigurationEntry> entries)
    {
        var body = BuildBody(nextConfigId, entries);
        var directory = Path.GetDirectoryName(FilePath)!;
        var temp = FilePath + ".tmp";
        try
        {
            Directory.CreateDirectory(directory);
            // A temp file left by a crash keeps its old mode when reopened: start from a new one.
            File.Delete(temp);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(ChecksumPrefix + Checksum(body) + "\n"));
                stream.Write(body);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, FilePath, overwrite: true);
            DirectorySync.Flush(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not save {FilePath} ({ex.Message}); the configuration was left unchanged", ex);
        }
    }

    private static byte[] BuildBody(long nextConfigId, IEnumerable<ConfigurationEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteNumber("nextConfigId", nextConfigId);
            writer.WriteStartArray("configurations");
            foreach (var entry in entries)
            {
                if (!entry.KeepAlive)
                    continue;
                writer.WriteStartObject();
                writer.WriteNumber("configId", entry.ConfigId);
                writer.WriteNumber("operationType", (int)entry.OperationType);
                writer.WritePropertyName("data");
                entry.Data.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} configuration(s) from {Path}; next configId {Next}")]
    private static partial void LogLoaded(ILogger logger, int count, string path, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Configuration file {Path} could not be made owner-only (mode 0600): {Reason}")]
    private static partial void LogModeNotRestricted(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration file {Path} is corrupt ({Reason}); renamed to {Aside}, starting with no configurations (next configId {Next})")]
    private static partial void LogCorrupt(ILogger logger, string path, string reason, string aside, long next);
}
