using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

public class IngestServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddEmsIngest_registers_hub_options_and_hosted_services_that_start_on_port_0()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:RtmpPort"] = "0",
            ["Ingest:RtmpAddress"] = "127.0.0.1",
            ["Ingest:RtspPort"] = "0",
            ["Ingest:RtspAddress"] = "127.0.0.1",
            ["Ingest:FileSources:0:Path"] = "/nonexistent/demo.flv",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddEmsIngest(configuration);
        await using var provider = services.BuildServiceProvider();
        var hub = provider.GetRequiredService<StreamHub>();
        var options = provider.GetRequiredService<IOptions<IngestOptions>>().Value;
        Assert.Equal("demo", Assert.Single(options.FileSources).EffectiveStreamName);
        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Equal(3, hosted.Count);
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var rtmp = provider.GetRequiredService<RtmpServer>();
        Assert.NotEqual(0, rtmp.LocalEndPoint!.Port);
        Assert.NotEqual(0, provider.GetRequiredService<RtspServer>().LocalEndPoint!.Port);
        Assert.Same(hub, provider.GetRequiredService<StreamHub>());
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static readonly (string Name, IngestOptions Options)[] InvalidOptions =
    [
        ("port", new IngestOptions { RtmpPort = 70_000 }),
        ("address", new IngestOptions { RtmpAddress = "localhost:1935" }),
        ("connections", new IngestOptions { RtmpMaxConnections = 0 }),
        ("idle", new IngestOptions { RtmpIdleTimeout = TimeSpan.Zero }),
        ("message", new IngestOptions { RtmpMaxMessageLength = 0x1000000 }),
        ("rtsp port", new IngestOptions { RtspPort = -1 }),
        ("rtsp address", new IngestOptions { RtspAddress = "host" }),
        ("rtsp idle", new IngestOptions { RtspIdleTimeout = TimeSpan.FromSeconds(1) }),
        ("rtsp read key name", new IngestOptions { RtspReadKeys = new() { ["bad name"] = "k" } }),
        ("empty rtsp read key", new IngestOptions { RtspReadKeys = new() { ["cam"] = "" } }),
        ("rtsp stream wait", new IngestOptions { RtspStreamWaitTimeout = TimeSpan.Zero }),
        ("rtsp send timeout", new IngestOptions { RtspSendTimeout = TimeSpan.FromMilliseconds(10) }),
        ("file path", new IngestOptions { FileSources = [new FileSourceOptions()] }),
        ("duplicate name", new IngestOptions { FileSources = [new() { Path = "a/x.flv" }, new() { Path = "b/x.flv" }] }),
        ("per-address cap", new IngestOptions { RtmpMaxConnectionsPerAddress = 0 }),
        ("rtsp per-address cap", new IngestOptions { RtspMaxConnections = 10, RtspMaxConnectionsPerAddress = 11 }),
        ("publish key name", new IngestOptions { PublishKeys = new() { ["bad name"] = "k" } }),
        ("empty publish key", new IngestOptions { PublishKeys = new() { ["cam"] = "" } }),
        ("publish user name", new IngestOptions { PublishUsers = new() { ["bad name"] = "u:p" } }),
        ("publish user without password", new IngestOptions { PublishUsers = new() { ["cam"] = "u:" } }),
        ("publish user without user", new IngestOptions { PublishUsers = new() { ["cam"] = ":p" } }),
        ("publish user without colon", new IngestOptions { PublishUsers = new() { ["cam"] = "up" } }),
        ("callback url", new IngestOptions { PublishCallback = new() { Url = "ftp://host/x" } }),
        ("relative callback url", new IngestOptions { PublishCallback = new() { Url = "/on_publish" } }),
        ("callback timeout", new IngestOptions { PublishCallback = new() { Url = "http://h/x", Timeout = TimeSpan.Zero } }),
        ("callback cache", new IngestOptions { PublishCallback = new() { CacheTime = TimeSpan.FromSeconds(-1) } }),
        ("read key name", new IngestOptions { RtmpReadKeys = new() { ["bad name"] = "k" } }),
        ("empty read key", new IngestOptions { RtmpReadKeys = new() { ["*"] = "" } }),
        ("play wait", new IngestOptions { RtmpPlayWaitTimeout = TimeSpan.Zero }),
        ("send timeout", new IngestOptions { RtmpSendTimeout = TimeSpan.FromHours(1) }),
        ("play queue", new IngestOptions { RtmpPlayQueueFrames = 1 }),
    ];

    public static TheoryData<int> Invalid => [.. Enumerable.Range(0, InvalidOptions.Length)];

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validator_rejects_bad_options(int index)
    {
        var (name, options) = InvalidOptions[index];
        Assert.True(new IngestOptionsValidator().Validate(null, options).Failed, name);
    }

    [Fact]
    public void Validator_accepts_users_with_colons_in_the_password_and_an_https_callback()
    {
        var options = new IngestOptions { PublishUsers = new() { ["*"] = "bob:p:w" }, PublishCallback = new() { Url = "https://auth.example/on_publish" } };
        Assert.True(new IngestOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validator_accepts_the_defaults()
    {
        Assert.True(new IngestOptionsValidator().Validate(null, new IngestOptions()).Succeeded);
    }
}
