using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace EmsSharp.Server.Events;

/// <summary>
/// A file sink (shared/EVOSTREAM-API.md §5.2): each event is formatted on the publisher's thread (so the entry numbers
/// follow the publishing order) into a bounded queue, and one loop appends the lines to the file and flushes whenever the
/// queue runs empty. The files are <c>&lt;base&gt;[_&lt;instance&gt;]_&lt;yyyyMMdd_HHmmss&gt;&lt;ext&gt;</c> (UTC, the time of the file's
/// first event; the instance with <see cref="EventSinkOptions.AppendInstance"/>; <c>_1</c>, <c>_2</c>, ... added when that name
/// exists); a file that reaches <see cref="EventSinkOptions.MaxFileSize"/>, or whose time is up
/// (<see cref="EventSinkOptions.FileChunkLength"/> after it opened, or the next <see cref="EventSinkOptions.FileChunkTime"/>),
/// is closed and the next line starts a new one. Time is the events' own (the dispatcher's clock when each was published),
/// so an event goes to the file of the period it happened in and the sink needs no timer: a quiet period makes no empty
/// file. Only the newest <see cref="EventSinkOptions.MaxFiles"/> of this name (any instance) are kept, so the sink holds at
/// most <c>MaxFiles</c> × <c>MaxFileSize</c> on disk. A write that fails (full disk, no permission) is counted and logged, and the next line tries a
/// new file; it never stops the server. At a clean stop every queued line is written and flushed.
/// </summary>
internal sealed partial class FileEventSink : IEventSink
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Channel<(string Line, DateTimeOffset At)> _queue;
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly string _base;
    private readonly string _prefix;
    private readonly string _extension;
    private readonly Regex _ownFiles;
    private long _entries;
    private long _dropped;
    private long _written;
    private long _failed;
    private FileStream? _file;
    private long _size;
    private DateTimeOffset _cutAt = DateTimeOffset.MaxValue;
    private bool _failing;
    private string? _lastStamp;
    private int _lastNumber;

    /// <summary>A sink of <paramref name="options"/>; <paramref name="instance"/> is this run's instance number, 0..9999 (EvoStream's: random per run).</summary>
    public FileEventSink(EventSinkOptions options, int capacity, int instance, ILogger logger)
    {
        Options = options;
        _logger = logger;
        var path = Path.GetFullPath(options.FileName!);
        _directory = Path.GetDirectoryName(path)!;
        _base = Path.GetFileNameWithoutExtension(path);
        _extension = Path.GetExtension(path);
        _prefix = _base + (options.AppendInstance ? "_" + instance.ToString("D4", CultureInfo.InvariantCulture) : "") + "_";
        _ownFiles = new Regex("^" + Regex.Escape(_base) + @"(?:_\d{4})?_(\d{8}_\d{6})(?:_(\d+))?" + Regex.Escape(_extension) + "$", RegexOptions.CultureInvariant);
        _queue = Channel.CreateBounded<(string, DateTimeOffset)>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse when full, so we can count the drop
            SingleReader = true,
        });
    }

    public EventSinkOptions Options { get; }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Lines written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Lines lost to a failed write.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The file being written (null before the first line).</summary>
    public string? CurrentPath { get; private set; }

    public void Enqueue(EventEnvelope envelope)
    {
        if (Options.FileFormat == EventFileFormat.W3c && !EventFileFormatter.IsW3cEvent(envelope.Type))
            return; // EvoStream's w3c log has stream events only
        lock (_gate)
        {
            // A dropped line still takes its number: the gap shows in the file.
            var line = EventFileFormatter.Format(Options.FileFormat, ++_entries, envelope);
            if (_queue.Writer.TryWrite((line, DateTimeOffset.FromUnixTimeSeconds(envelope.Timestamp))))
                return;
        }

        EmsMetrics.EventsDropped.Add(1);
        if (Interlocked.Increment(ref _dropped) == 1)
            LogFirstDrop(_logger, Options.FileName!);
    }

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var entry))
                    Write(entry.Line, entry.At);
                Flush();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // a stop that could not wait: what is queued is abandoned
        }
        finally
        {
            CloseFile();
        }
    }

    private void Write(string line, DateTimeOffset at)
    {
        var bytes = Utf8.GetBytes(line);
        try
        {
            if (_file is null || (_size > 0 && _size + bytes.Length > Options.MaxFileSize) || at >= _cutAt)
                OpenNewFile(at);
            _file!.Write(bytes);
            _size += bytes.Length;
            Interlocked.Increment(ref _written);
            _failing = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _failed);
            if (!_failing)
                LogWriteFailed(_logger, CurrentPath ?? Options.FileName!, ex.Message); // once per failing spell, not per line
            _failing = true;
            CloseFile(); // the next line tries a new file
        }
    }

    private void Flush()
    {
        try
        {
            _file?.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, CurrentPath ?? Options.FileName!, ex.Message);
            CloseFile();
        }
    }

    private void OpenNewFile(DateTimeOffset at)
    {
        CloseFile();
        Directory.CreateDirectory(_directory);
        var stamp = at.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        // Within one second the numbers only grow, so a name freed by the clean-up is never taken again by a newer file.
        for (var attempt = stamp == _lastStamp ? _lastNumber + 1 : 0; ; attempt++)
        {
            var name = _prefix + stamp + (attempt == 0 ? "" : "_" + attempt.ToString(CultureInfo.InvariantCulture)) + _extension;
            var path = Path.Combine(_directory, name);
            try
            {
                _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            }
            catch (IOException) when (File.Exists(path) && attempt < 100_000)
            {
                continue;
            }

            CurrentPath = path;
            (_lastStamp, _lastNumber) = (stamp, attempt);
            break;
        }

        _size = 0;
        _cutAt = CutTime(at);
        var header = EventFileFormatter.Header(Options.FileFormat, at);
        if (header.Length > 0)
        {
            var bytes = Utf8.GetBytes(header);
            _file.Write(bytes);
            _size = bytes.Length;
        }

        DeleteOldFiles();
    }

    // When a file opened at `opened` ends: FileChunkLength seconds later, or at the next FileChunkTime (UTC, as the names);
    // never without either (validation allows one at most, as EvoStream chunks by one).
    private DateTimeOffset CutTime(DateTimeOffset opened)
    {
        if (Options.FileChunkLength is { } seconds)
            return opened.AddSeconds(seconds);
        if (Options.ChunkTimeOfDay is not { } timeOfDay)
            return DateTimeOffset.MaxValue;
        var today = new DateTimeOffset(opened.UtcDateTime.Date + timeOfDay.ToTimeSpan(), TimeSpan.Zero);
        return today > opened ? today : today.AddDays(1);
    }

    // Keeps the newest MaxFiles of this sink's files (the one just opened among them), ordered by their names' time and
    // then their number.
    private void DeleteOldFiles()
    {
        var files = new List<(string Stamp, int Number, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory, _base + "_*" + _extension))
        {
            var match = _ownFiles.Match(Path.GetFileName(path));
            if (match.Success)
            {
                var number = match.Groups[2].Success ? int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture) : 0;
                files.Add((match.Groups[1].Value, number, path));
            }
        }

        files.Sort(static (a, b) => string.CompareOrdinal(a.Stamp, b.Stamp) is var byStamp and not 0 ? byStamp : a.Number.CompareTo(b.Number));
        for (var i = 0; i < files.Count - Options.MaxFiles; i++)
        {
            try
            {
                File.Delete(files[i].Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, files[i].Path, ex.Message);
            }
        }
    }

    private void CloseFile()
    {
        var file = _file;
        _file = null;
        try
        {
            file?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, CurrentPath ?? Options.FileName!, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event file {File} is not keeping up: events are being dropped")]
    private static partial void LogFirstDrop(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event file {File}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string file, string reason);
}
