using System.Net.Sockets;
using System.Text;
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
            "--WsFmp4:Port", "0", "--WsFmp4:BindAddress", "127.0.0.1", "--WebRtc:UdpPort", "0",
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

/// <summary>A line client for the CLI ports.</summary>
internal sealed class CliClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly NetworkStream _stream;

    private CliClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public NetworkStream Stream => _stream;

    /// <summary>Connects to <paramref name="endPoint"/>, from <paramref name="from"/> when given (any 127.x.y.z works on loopback).</summary>
    public static async Task<CliClient> ConnectAsync(System.Net.IPEndPoint endPoint, System.Net.IPAddress? from = null)
    {
        var client = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await client.ConnectAsync(endPoint);
        return new CliClient(client);
    }

    public async Task SendLineAsync(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        await _stream.WriteAsync(bytes);
    }

    /// <summary>Sends a line to the JSON CLI and parses the one-line reply.</summary>
    public async Task<JsonElement> JsonAsync(string line)
    {
        await SendLineAsync(line);
        var reply = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(reply);
        return Envelope.Parse(reply);
    }

    /// <summary>Sends a line to the ASCII CLI and returns the reply lines (up to the empty line).</summary>
    public async Task<List<string>> AsciiAsync(string line)
    {
        await SendLineAsync(line);
        var lines = new List<string>();
        while (true)
        {
            var l = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (l is null || l.Length == 0)
                return lines;
            lines.Add(l);
        }
    }

    public Task<string?> ReadLineAsync() => _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Checks and reads the reply envelope.</summary>
internal static class Envelope
{
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var names = new List<string>();
        foreach (var property in root.EnumerateObject())
            names.Add(property.Name);
        Assert.Equal(["data", "description", "status"], names);
        Assert.Equal(JsonValueKind.String, root.GetProperty("description").ValueKind);
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "SUCCESS", "FAIL" });
        return root;
    }

    public static string Status(this JsonElement reply) => reply.GetProperty("status").GetString()!;

    public static string Description(this JsonElement reply) => reply.GetProperty("description").GetString()!;

    public static JsonElement Data(this JsonElement reply) => reply.GetProperty("data");
}
