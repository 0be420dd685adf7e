using System.Net;
using EmsSharp.Server.Connections;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api;

/// <summary>Starts and stops the ASCII and JSON CLI listeners with the host; binds in <see cref="StartAsync"/> so ports are known once the host has started.</summary>
internal sealed class CliListenerHost(
    IOptions<EmsOptions> options,
    CommandRegistry registry,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    ConnectionRegistry connections) : IHostedService
{
    private CliListener? _ascii;
    private CliListener? _json;

    public IPEndPoint? AsciiEndPoint { get; private set; }

    public IPEndPoint? JsonEndPoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var api = options.Value.Api;
        var logger = loggerFactory.CreateLogger<CliListener>();
        if (api.AsciiCli.Enabled)
        {
            _ascii = new CliListener(ApiTransport.AsciiCli, api.AsciiCli, api, registry, lifetime, time, logger, connections);
            _ascii.Start();
            AsciiEndPoint = _ascii.LocalEndPoint;
        }

        if (api.JsonCli.Enabled)
        {
            _json = new CliListener(ApiTransport.JsonCli, api.JsonCli, api, registry, lifetime, time, logger, connections);
            _json.Start();
            JsonEndPoint = _json.LocalEndPoint;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host may stop twice (shutdown, then dispose): take the listeners so the second stop is a no-op.
        var ascii = Interlocked.Exchange(ref _ascii, null);
        var json = Interlocked.Exchange(ref _json, null);
        if (ascii is not null)
            await ascii.DisposeAsync().ConfigureAwait(false);
        if (json is not null)
            await json.DisposeAsync().ConfigureAwait(false);
    }
}
