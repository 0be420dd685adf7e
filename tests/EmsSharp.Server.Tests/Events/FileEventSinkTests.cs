using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Events;

/// <summary>The file sink (shared/EVOSTREAM-API.md §5.2): names, formats, the size cap and the flush at stop.</summary>
public sealed class FileEventSinkTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 30, 5, TimeSpan.Zero));

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private EventDispatcher NewDispatcher(string format, long maxFileSize = 10 * 1024 * 1024, int maxFiles = 10, Action<EventSinkOptions>? configure = null)
    {
        var options = new EmsOptions();
        var sink = new EventSinkOptions
        {
            Type = "File",
            FileName = Path.Combine(_folder, "logs", "events.log"),
            Format = format,
            MaxFileSize = maxFileSize,
            MaxFiles = maxFiles,
        };
        configure?.Invoke(sink);
        options.Events.Sinks.Add(sink);
        return new EventDispatcher(Options.Create(options), _time, NullLogger<EventDispatcher>.Instance);
    }

    private string[] Files() => [.. Directory.GetFiles(Path.Combine(_folder, "logs")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    private string[] Lines(string file) => File.ReadAllLines(Path.Combine(_folder, "logs", file));

    [Fact]
    public async Task Json_lines_are_the_RPC_bodies_and_all_are_written_at_stop()
    {
        using var dispatcher = NewDispatcher("json");
        await dispatcher.StartAsync(CancellationToken.None);
        for (var i = 0; i < 500; i++)
            dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "cam" + i });
        dispatcher.Publish(EventTypes.ServerStopping, new JsonObject { ["releaseNumber"] = "1" });
        await dispatcher.StopAsync(CancellationToken.None);

        // <base>_<yyyyMMdd_HHmmss><ext>, UTC.
        Assert.Equal(["events_20261206_123005.log"], Files());
        var lines = Lines("events_20261206_123005.log");
        Assert.Equal(501, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(["id", "payload", "processId", "timestamp", "type"], first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("cam0", first.RootElement.GetProperty("payload").GetProperty("name").GetString());
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.Equal("serverStopping", last.RootElement.GetProperty("type").GetString());
        Assert.Equal(501, last.RootElement.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Text_numbers_each_entry_and_lists_the_payload_below_it()
    {
        using var dispatcher = NewDispatcher("text");
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.ServerStarted, new JsonObject { ["releaseNumber"] = "1.0", ["nothing"] = null });
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "cam", ["audio"] = new JsonObject { ["codec"] = "AAAC" } });
        await dispatcher.StopAsync(CancellationToken.None);

        var lines = Lines(Assert.Single(Files()));
        Assert.Equal("00001\tserverStarted\t2026-12-06T12:30:05Z", lines[0]);
        Assert.Contains("\treleaseNumber: 1.0", lines);
        Assert.DoesNotContain(lines, l => l.Contains("nothing", StringComparison.Ordinal)); // null members are left out
        Assert.Contains("00002\tinStreamCreated\t2026-12-06T12:30:05Z", lines);
        Assert.Contains("\taudio:", lines);
        Assert.Contains("\t\tcodec: AAAC", lines);
    }

    [Fact]
    public async Task Xml_writes_one_MAP_a_line()
    {
        using var dispatcher = NewDispatcher("xml");
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "line\nbreak" });
        dispatcher.Publish(EventTypes.InStreamClosed, new JsonObject { ["name"] = "cam" });
        await dispatcher.StopAsync(CancellationToken.None);

        var lines = Lines(Assert.Single(Files()));
        Assert.Equal(2, lines.Length);
        var document = new XmlDocument();
        document.LoadXml(lines[0]);
        Assert.Equal("MAP", document.DocumentElement!.Name);
        Assert.Equal("line\nbreak", document.SelectSingleNode("/MAP/MAP[@name='payload']/STR[@name='name']")!.InnerText);
    }

    [Fact]
    public async Task W3c_has_a_header_and_a_row_per_stream_event_only()
    {
        using var dispatcher = NewDispatcher("w3c");
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.ServerStarted, new JsonObject { ["releaseNumber"] = "1.0" });
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject
        {
            ["name"] = "cam",
            ["uniqueId"] = 3,
            ["type"] = "INR",
            ["audio"] = new JsonObject { ["codec"] = "AAAC" },
        });
        await dispatcher.StopAsync(CancellationToken.None);

        var lines = Lines(Assert.Single(Files()));
        Assert.Equal("#Version: 1.0", lines[0]);
        var fields = lines.Single(l => l.StartsWith("#Fields: ", StringComparison.Ordinal))["#Fields: ".Length..].Split('\t');
        var row = Assert.Single(lines, l => !l.StartsWith('#')).Split('\t');
        Assert.Equal(fields.Length, row.Length);
        var values = fields.Zip(row).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal("inStreamCreated", values["INFO"]);
        Assert.Equal("cam", values["name"]);
        Assert.Equal("3", values["uniqueId"]);
        Assert.Equal("AAAC", values["audio-codec"]);
        Assert.Equal("-", values["video-codec"]);
    }

    [Fact]
    public async Task A_full_file_is_closed_for_a_new_one_and_only_MaxFiles_are_kept()
    {
        using var dispatcher = NewDispatcher("json", maxFileSize: 4096, maxFiles: 3);
        await dispatcher.StartAsync(CancellationToken.None);
        var padding = new string('x', 900);
        for (var i = 0; i < 40; i++) // ~40 KB: about ten files' worth
        {
            dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = padding });
            if (i % 4 == 3)
                _time.Advance(TimeSpan.FromSeconds(1));
        }

        await dispatcher.StopAsync(CancellationToken.None);

        var files = Files();
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.Matches(@"^events_20261206_1230\d\d(_\d+)?\.log$", f));
        Assert.All(files, f => Assert.InRange(new FileInfo(Path.Combine(_folder, "logs", f)).Length, 1, 4096));
        // The newest survive: the last event is in one of them.
        Assert.Contains(files.SelectMany(Lines), l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64() == 40);
    }

    [Fact]
    public async Task FileChunkLength_starts_a_new_file_that_many_seconds_after_one_opened()
    {
        using var dispatcher = NewDispatcher("json", configure: s => s.FileChunkLength = 60);
        await dispatcher.StartAsync(CancellationToken.None);
        Publish(dispatcher, 1);
        _time.Advance(TimeSpan.FromSeconds(59));
        Publish(dispatcher, 2); // 12:31:04, still in the first minute of the file
        _time.Advance(TimeSpan.FromSeconds(1));
        Publish(dispatcher, 3); // 12:31:05: a new file
        _time.Advance(TimeSpan.FromMinutes(10)); // a quiet spell makes no empty files
        Publish(dispatcher, 4);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(["events_20261206_123005.log", "events_20261206_123105.log", "events_20261206_124105.log"], Files());
        Assert.Equal([[1, 2], [3], [4]], Files().Select(Ids));
    }

    [Fact]
    public async Task FileChunkTime_cuts_every_day_at_that_UTC_time()
    {
        using var dispatcher = NewDispatcher("json", configure: s => s.FileChunkTime = "18:00:00");
        await dispatcher.StartAsync(CancellationToken.None);
        Publish(dispatcher, 1); // 2026-12-06 12:30:05
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 6, 17, 59, 59, TimeSpan.Zero));
        Publish(dispatcher, 2);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 6, 18, 0, 0, TimeSpan.Zero));
        Publish(dispatcher, 3);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        Publish(dispatcher, 4); // the next day before 18:00: same file
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 8, 18, 0, 1, TimeSpan.Zero));
        Publish(dispatcher, 5); // past the next cut (12-07 18:00)
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(["events_20261206_123005.log", "events_20261206_180000.log", "events_20261208_180001.log"], Files());
        Assert.Equal([[1, 2], [3, 4], [5]], Files().Select(Ids));
    }

    [Fact]
    public async Task AppendInstance_puts_the_runs_instance_number_in_every_name_and_files_of_any_instance_share_MaxFiles()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "logs"));
        File.WriteAllText(Path.Combine(_folder, "logs", "events_0042_20261201_000000.log"), "an earlier run's\n");
        using var dispatcher = NewDispatcher("json", maxFiles: 2, configure: s => (s.AppendInstance, s.FileChunkLength) = (true, 1));
        await dispatcher.StartAsync(CancellationToken.None);
        Publish(dispatcher, 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        Publish(dispatcher, 2);
        await dispatcher.StopAsync(CancellationToken.None);

        var files = Files();
        Assert.Equal(2, files.Length); // the earlier run's file, the oldest, made room
        var instance = Assert.Single(files.Select(f => f.Split('_')[1]).Distinct());
        Assert.Matches("^[0-9]{4}$", instance);
        Assert.Equal([$"events_{instance}_20261206_123005.log", $"events_{instance}_20261206_123006.log"], files);
    }

    private static void Publish(EventDispatcher dispatcher, int n) =>
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "cam" + n });

    private long[] Ids(string file) => [.. Lines(file).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64())];
}
