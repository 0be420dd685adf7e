using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Server.Tests;

/// <summary>An in-process <c>ems</c> on ephemeral loopback ports with a temporary data folder.</summary>
internal sealed class TestEms : IAsyncDisposable
{
    private TestEms(EmsHost host, string dataFolder, ListLoggerProvider logs)
    {
        Host = host;
        DataFolder = dataFolder;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}/") };
    }

    public EmsHost Host { get; }

    public string DataFolder { get; }

    public ListLoggerProvider Logs { get; }

    public HttpClient Http { get; }

    public static string NewDataFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "ems-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static async Task<TestEms> StartAsync(string? dataFolder = null, Action<EmsOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        dataFolder ??= NewDataFolder();
        var logs = new ListLoggerProvider();
        var host = EmsHost.Create(
        [
            "--Ingest:RtmpPort", "0", "--Ingest:RtspPort", "0", "--Ingest:RtspAddress", "127.0.0.1",
            "--WsFmp4:Port", "0", "--WsFmp4:BindAddress", "127.0.0.1", "--Whep:Port", "0", "--Whep:BindAddress", "127.0.0.1", "--WebRtc:UdpPort", "0",
            "--Hls:MediaFolder", Path.Combine(dataFolder, "media"),
        ], o =>
        {
            o.DataFolder = dataFolder;
            o.Api.AsciiCli.Port = 0;
            o.Api.JsonCli.Port = 0;
            o.Api.Http.Port = 0;
            configure?.Invoke(o);
        }, s =>
        {
            s.AddLogging(b =>
            {
                b.ClearProviders();
                b.AddProvider(logs);
                b.SetMinimumLevel(LogLevel.Information);
            });
            services?.Invoke(s);
        });
        await host.StartAsync(CancellationToken.None);
        return new TestEms(host, dataFolder, logs);
    }

    /// <summary>Runs <paramref name="test"/> against a fresh server, then stops it and deletes its data folder.</summary>
    public static async Task WithAsync(Func<TestEms, Task> test, Action<EmsOptions>? configure = null)
    {
        await using var ems = await StartAsync(configure: configure);
        try
        {
            await test(ems);
        }
        finally
        {
            DeleteFolder(ems.DataFolder);
        }
    }

    public async Task<JsonElement> HttpAsync(string pathAndQuery)
    {
        using var response = await Http.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Envelope.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task<CliClient> ConnectJsonAsync() => await CliClient.ConnectAsync(Host.JsonCliEndPoint!);

    public async Task<CliClient> ConnectAsciiAsync() => await CliClient.ConnectAsync(Host.AsciiCliEndPoint!);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    public static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
