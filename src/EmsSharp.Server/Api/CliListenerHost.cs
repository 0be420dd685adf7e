using System.Net;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api;

/// <summary>Starts and stops the ASCII and JSON CLI listeners with the host; binds in <see cref="StartAsync"/> so ports are known once the host has started.</summary>
internal sealed class CliListenerHost(
    IOptions<EmsOptions> options,
    CommandRegistry registry,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : IHostedService
{
    private CliListener? _ascii;
    private CliListener? _json;

    public IPEndPoint? AsciiEndPoint => _ascii?.LocalEndPoint;

    public IPEndPoint? JsonEndPoint => _json?.LocalEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var api = options.Value.Api;
        var logger = loggerFactory.CreateLogger<CliListener>();
        if (api.AsciiCli.Enabled)
        {
            _ascii = new CliListener(ApiTransport.AsciiCli, api.AsciiCli, api, registry, lifetime, logger);
            _ascii.Start();
        }

        if (api.JsonCli.Enabled)
        {
            _json = new CliListener(ApiTransport.JsonCli, api.JsonCli, api, registry, lifetime, logger);
            _json.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_ascii is not null)
            await _ascii.DisposeAsync().ConfigureAwait(false);
        if (_json is not null)
            await _json.DisposeAsync().ConfigureAwait(false);
    }
}
