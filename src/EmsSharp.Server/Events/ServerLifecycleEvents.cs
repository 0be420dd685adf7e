using EmsSharp.Server.Api.Commands;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Events;

/// <summary>
/// <c>serverStarted</c> once the server serves, <c>serverStopping</c> as it begins to stop, each with the version object as
/// payload, as EvoStream sends them (shared/EVOSTREAM-API.md §5.3). The event dispatcher stops after every other service
/// and gives queued events a moment to go out, so receivers hear the stop.
/// </summary>
internal sealed class ServerLifecycleEvents(IHostApplicationLifetime lifetime, IEventPublisher events, IOptions<EmsOptions> options)
    : IHostedService
{
    private CancellationTokenRegistration _started;
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(() => events.Publish(EventTypes.ServerStarted, VersionCommand.Describe(options.Value)));
        _stopping = lifetime.ApplicationStopping.Register(() => events.Publish(EventTypes.ServerStopping, VersionCommand.Describe(options.Value)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _started.DisposeAsync().ConfigureAwait(false);
        await _stopping.DisposeAsync().ConfigureAwait(false);
    }
}
