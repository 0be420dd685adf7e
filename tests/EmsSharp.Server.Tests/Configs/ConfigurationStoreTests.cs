using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Configs;

public sealed class ConfigurationStoreTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private ConfigurationStore NewStore()
    {
        var store = new ConfigurationStore(Options.Create(new EmsOptions { DataFolder = _folder }), _time, NullLogger<ConfigurationStore>.Instance);
        store.Load();
        return store;
    }

    private static JsonObject Data(long id, string room) => new() { ["configId"] = id, ["roomid"] = room };

    [Fact]
    public void Ids_increase_and_are_never_reused_across_removal_and_reload()
    {
        var store = NewStore();
        var a = store.Add(OperationType.WebRtc, true, id => Data(id, "a"));
        var b = store.Add(OperationType.WebRtc, false, id => Data(id, "b"));
        Assert.Equal(1, a.ConfigId);
        Assert.Equal(2, b.ConfigId);
        Assert.True(store.TryRemove(a.ConfigId, out _));
        var c = store.Add(OperationType.WebRtc, true, id => Data(id, "c"));
        Assert.Equal(3, c.ConfigId);

        var reloaded = NewStore();
        var entries = reloaded.Snapshot();
        Assert.Single(entries); // b had keepAlive=0: not persisted
        Assert.Equal(3, entries[0].ConfigId);
        Assert.Equal("c", entries[0].Data["roomid"]!.GetValue<string>());
        Assert.Equal(4, reloaded.Add(OperationType.WebRtc, true, id => Data(id, "d")).ConfigId);
    }

    [Fact]
    public void File_carries_a_sha256_of_its_body_and_no_temp_file_is_left()
    {
        var store = NewStore();
        store.Add(OperationType.WebRtc, true, id => Data(id, "room with spaces"));
        var bytes = File.ReadAllBytes(store.FilePath);
        var newline = Array.IndexOf(bytes, (byte)'\n');
        var header = Encoding.ASCII.GetString(bytes, 0, newline);
        Assert.Equal("sha256=" + ConfigurationStore.Checksum(bytes.AsSpan(newline + 1)), header);
        Assert.False(File.Exists(store.FilePath + ".tmp"));
        Assert.Single(Directory.GetFiles(_folder));
    }

    public static TheoryData<string> CorruptFiles => new()
    {
        "",
        "garbage",
        "sha256=00\n{}",
        "sha256=00\n{\"nextConfigId\":\"x\"}",
        "no header\n{\"nextConfigId\":1,\"configurations\":[]}",
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_corrupt_file_is_renamed_aside_and_the_store_starts_empty(string content)
    {
        var path = Path.Combine(_folder, ConfigurationStore.FileName);
        File.WriteAllText(path, content);
        var store = NewStore();
        Assert.Empty(store.Snapshot());
        Assert.False(File.Exists(path));
        Assert.Single(Directory.GetFiles(_folder, ConfigurationStore.FileName + ".corrupt-*"));
        Assert.Equal(1, store.Add(OperationType.WebRtc, true, id => Data(id, "x")).ConfigId);
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum()
    {
        var store = NewStore();
        store.Add(OperationType.WebRtc, true, id => Data(id, "abc"));
        var bytes = File.ReadAllBytes(store.FilePath);
        var at = Array.LastIndexOf(bytes, (byte)'a');
        bytes[at] = (byte)'b';
        File.WriteAllBytes(store.FilePath, bytes);
        Assert.Empty(NewStore().Snapshot());
    }

    [Fact]
    public void Ids_continue_past_a_corrupt_file_when_its_sequence_is_readable()
    {
        File.WriteAllText(Path.Combine(_folder, ConfigurationStore.FileName), "sha256=00\n{\"nextConfigId\":42,\"configurations\":[]}");
        var store = NewStore();
        Assert.Empty(store.Snapshot());
        Assert.Equal(42, store.Add(OperationType.WebRtc, true, id => Data(id, "x")).ConfigId);
    }

    [Fact]
    public void A_valid_checksum_over_a_malformed_body_is_rejected()
    {
        var body = Encoding.UTF8.GetBytes("""{"nextConfigId":2,"configurations":[{"configId":7,"operationType":9,"data":{}}]}""");
        var file = Encoding.ASCII.GetBytes("sha256=" + ConfigurationStore.Checksum(body) + "\n").Concat(body).ToArray();
        File.WriteAllBytes(Path.Combine(_folder, ConfigurationStore.FileName), file);
        Assert.Empty(NewStore().Snapshot()); // configId 7 >= nextConfigId 2
    }

    [Fact]
    public void Concurrent_adds_get_distinct_ids()
    {
        var store = NewStore();
        var ids = new long[64];
        Parallel.For(0, ids.Length, i => ids[i] = store.Add(OperationType.WebRtc, i % 2 == 0, id => Data(id, "r" + i)).ConfigId);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.Equal(ids.Length + 1, store.NextConfigId);
        Assert.Equal(ids.Length / 2, NewStore().Snapshot().Count);
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly UnixFileMode WorldReadable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void The_file_is_owner_only_when_created_fresh()
    {
        var store = NewStore();
        store.Add(OperationType.WebRtc, true, id => Data(id, "a"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(store.FilePath));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_save_over_a_world_readable_file_and_a_leftover_temp_file_is_owner_only()
    {
        var store = NewStore();
        store.Add(OperationType.WebRtc, true, id => Data(id, "a"));
        File.SetUnixFileMode(store.FilePath, WorldReadable);
        File.WriteAllText(store.FilePath + ".tmp", "left by a crash");
        File.SetUnixFileMode(store.FilePath + ".tmp", WorldReadable);

        store.Add(OperationType.WebRtc, true, id => Data(id, "b"));

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(store.FilePath));
        Assert.False(File.Exists(store.FilePath + ".tmp"));
        Assert.Equal(2, NewStore().Snapshot().Count);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_world_readable_file_from_an_older_version_is_made_owner_only_at_load()
    {
        NewStore().Add(OperationType.WebRtc, true, id => Data(id, "a"));
        var path = Path.Combine(_folder, ConfigurationStore.FileName);
        File.SetUnixFileMode(path, WorldReadable);

        Assert.Single(NewStore().Snapshot());
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_removal_that_cannot_be_saved_throws_and_changes_neither_the_table_nor_the_file()
    {
        var store = NewStore();
        var a = store.Add(OperationType.WebRtc, true, id => Data(id, "a"));
        var b = store.Add(OperationType.WebRtc, true, id => Data(id, "b"));
        Directory.CreateDirectory(store.FilePath + ".tmp"); // the temp file cannot be created: the save fails

        var error = Assert.Throws<IOException>(() => store.Remove([a.ConfigId, b.ConfigId]));
        Assert.StartsWith($"Could not save {store.FilePath} (", error.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => store.TryRemove(a.ConfigId, out _));
        Assert.Throws<IOException>(() => store.Add(OperationType.WebRtc, true, id => Data(id, "c")));

        Assert.Equal([a.ConfigId, b.ConfigId], store.Snapshot().Select(e => e.ConfigId));
        Assert.Equal(b.ConfigId + 1, store.NextConfigId);
        Assert.Equal([a.ConfigId, b.ConfigId], NewStore().Snapshot().Select(e => e.ConfigId));

        Directory.Delete(store.FilePath + ".tmp");
        Assert.Equal([a.ConfigId, b.ConfigId], store.Remove([a.ConfigId, b.ConfigId, 99]).Select(e => e.ConfigId));
        Assert.Empty(store.Snapshot());
        Assert.Empty(NewStore().Snapshot());
    }
}
