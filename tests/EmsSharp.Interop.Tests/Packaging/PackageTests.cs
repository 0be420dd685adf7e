using System.Text.RegularExpressions;
using EmsSharp.Interop.Tests.Nat;
using EmsSharp.Server.Tests;

namespace EmsSharp.Interop.Tests.Packaging;

/// <summary>
/// The package of scripts/package on a machine without .NET: the single-file executables start from any working
/// directory with a bare environment, find the files beside them, and serve.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class PackageTests(PackageFixture package)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Package_HoldsTwoExecutablesAndTheFilesTheyRead()
    {
        var entries = Directory.EnumerateFileSystemEntries(package.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["config", "ems", "ers", "samples", "web"], entries); // single-file: no .dll, .pdb, .json beside them
        Assert.True(File.Exists(Path.Combine(package.Folder, "config", "default.json")));
        Assert.True(File.Exists(Path.Combine(package.Folder, "samples", "test.flv")));
    }

    [Theory]
    [InlineData("ems", "Usage: ems [--config ems.json]", "\"DataFolder\"")]
    [InlineData("ers", "Usage: ers [--config path/to/default.json]", "\"stateFile\"")]
    public void Help_PrintsTheUsageAndTheOptions(string program, string usage, string option)
    {
        var (exitCode, stdout, stderr) = HostCommand.TryRun(package.CleanStart(program, ["--help"], out _), StartTimeout);

        Assert.True(exitCode == 0, $"{program} --help exited with {exitCode}: {stderr}");
        Assert.StartsWith(usage, stdout, StringComparison.Ordinal);
        Assert.Contains(option, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ems_AnswersVersion_AndPlaysTheSample_WithoutDotnet()
    {
        var sample = Path.Combine(package.Folder, "samples", "test.flv");
        var info = package.CleanStart("ems",
        [
            "--Api:Http:Port", "0", "--Api:AsciiCli:Port", "0", "--Api:JsonCli:Port", "0", "--Ingest:RtmpPort", "0",
            "--Ingest:RtspPort", "0", "--WsFmp4:Port", "0", "--Whep:Port", "0", "--WebRtc:UdpPort", "0",
            "--Ingest:FileSources:0:StreamName", "test", "--Ingest:FileSources:0:Path", sample,
        ], out var workingDirectory);
        using var ems = LoggedProcess.Start("ems", info);

        var started = await ems.WaitForLineAsync("started; data folder", StartTimeout);
        var api = new Uri("http://" + HttpApiEndPoint().Match(started).Groups[1].Value);
        using var http = new HttpClient { BaseAddress = api, Timeout = StartTimeout };

        var version = Envelope.Parse(await http.GetStringAsync(new Uri("version", UriKind.Relative)));
        Assert.Equal("SUCCESS", version.Status());
        var data = version.Data();
        Assert.Equal("EmsSharp", data.GetProperty("codeName").GetString());
        Assert.Equal("EmsSharp " + data.GetProperty("releaseNumber").GetString(), data.GetProperty("banner").GetString());
        // The build date of a single-file executable is its own file's: its assemblies have none.
        Assert.True(DateTime.TryParse(data.GetProperty("buildDate").GetString(), out _), data.ToString());
        // The data folder (./data) is the working directory's, not the package's.
        Assert.True(File.Exists(Path.Combine(workingDirectory, "data", "server.cert")), ems.Tail(20));

        // The sample's file source publishes shortly after the start; poll the API until it lists it.
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!Envelope.Parse(await http.GetStringAsync(new Uri("listStreams", UriKind.Relative))).Data().EnumerateArray()
            .Any(stream => stream.GetProperty("name").GetString() == "test"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the sample stream did not appear:\n" + ems.Tail(20));
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Ers_ServesThePlayerPagesBesideIt_WithoutDotnet()
    {
        var info = package.CleanStart("ers", [], out var workingDirectory);
        var config = Path.Combine(workingDirectory, "ers.json");
        await File.WriteAllTextAsync(config, """
            { "server": { "port": 0, "adminPort": 0 }, "turn": { "port": 0 }, "stateFile": null }
            """);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        using var ers = LoggedProcess.Start("ers", info);

        var started = await ers.WaitForLineAsync("ERS signalling on", StartTimeout);
        using var http = new HttpClient { Timeout = StartTimeout };
        var signalling = $"http://127.0.0.1:{SignallingPort().Match(started).Groups[1].Value}/";

        foreach (var page in new[] { "evoplayers.html", "evowrtcclient.html" })
        {
            var served = await http.GetStringAsync(new Uri(signalling + page));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(package.Folder, "web", page)), served);
        }
    }

    [GeneratedRegex(@"HTTP API (\d+\.\d+\.\d+\.\d+:\d+)")]
    private static partial Regex HttpApiEndPoint();

    [GeneratedRegex(@"ERS signalling on [^;]*:(\d+);")]
    private static partial Regex SignallingPort();
}
