using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// The running <see cref="WebRtcService"/>s, one per WebRTC configuration of the <see cref="ConfigurationStore"/>.
/// Replays saved configurations at start-up, stops every service (keeping saved configurations) at shutdown.
/// One lock serialises start/stop so a room can be started only once (PROTOCOL.md §1.5).
/// </summary>
internal sealed partial class WebRtcServiceManager(
    ConfigurationStore store,
    IErsConnector connector,
    IEventPublisher events,
    TimeProvider time,
    ILogger<WebRtcServiceManager> logger) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, WebRtcService> _services = [];

    /// <summary>
    /// Creates, saves and starts a service. Returns null and the id holding the room when
    /// <paramref name="ersIp"/>+<paramref name="ersPort"/>+<paramref name="roomId"/> is already configured.
    /// </summary>
    public WebRtcService? TryStart(
        string ersIp, int ersPort, string roomId, bool keepAlive, Func<long, WebRtcServiceConfiguration> create, out long existingConfigId)
    {
        WebRtcService service;
        lock (_gate)
        {
            foreach (var running in _services.Values)
            {
                if (running.Configuration.IsSameRoom(ersIp, ersPort, roomId))
                {
                    existingConfigId = running.Configuration.ConfigId;
                    return null;
                }
            }

            WebRtcServiceConfiguration? configuration = null;
            store.Add(OperationType.WebRtc, keepAlive, id =>
            {
                configuration = create(id);
                return configuration.ToJson();
            });
            service = new WebRtcService(configuration!, connector, time);
            _services.Add(configuration!.ConfigId, service);
        }

        existingConfigId = 0;
        Launch(service);
        return service;
    }

    public WebRtcService? Find(long configId)
    {
        lock (_gate)
            return _services.GetValueOrDefault(configId);
    }

    /// <summary>Stops the services of <paramref name="roomId"/> (all when null) and removes their configurations.</summary>
    public async ValueTask<List<WebRtcService>> StopAsync(string? roomId)
    {
        var stopped = new List<WebRtcService>();
        lock (_gate)
        {
            foreach (var service in _services.Values)
            {
                if (roomId is null || string.Equals(service.Configuration.RoomId, roomId, StringComparison.Ordinal))
                    stopped.Add(service);
            }

            foreach (var service in stopped)
                Detach(service);
        }

        foreach (var service in stopped)
            await ShutdownAsync(service).ConfigureAwait(false);
        return stopped;
    }

    /// <summary>Stops and removes the service of one configuration (<c>removeConfig</c>).</summary>
    public async ValueTask<WebRtcService?> RemoveAsync(long configId)
    {
        WebRtcService? service;
        lock (_gate)
        {
            if (_services.TryGetValue(configId, out service))
                Detach(service);
        }

        if (service is not null)
            await ShutdownAsync(service).ConfigureAwait(false);
        return service;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Load();
        var restored = new List<WebRtcService>();
        lock (_gate)
        {
            foreach (var entry in store.Snapshot())
            {
                if (entry.OperationType != OperationType.WebRtc)
                    continue;
                if (!WebRtcServiceConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId)
                {
                    LogSkipped(logger, entry.ConfigId);
                    continue;
                }

                var service = new WebRtcService(configuration, connector, time);
                _services.Add(configuration.ConfigId, service);
                restored.Add(service);
            }
        }

        foreach (var service in restored)
            Launch(service);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<WebRtcService> all;
        lock (_gate)
        {
            all = [.. _services.Values];
            _services.Clear();
        }

        foreach (var service in all)
            await service.StopAsync().ConfigureAwait(false);
    }

    private void Detach(WebRtcService service)
    {
        _services.Remove(service.Configuration.ConfigId);
        store.TryRemove(service.Configuration.ConfigId, out _);
    }

    private void Launch(WebRtcService service)
    {
        service.Start();
        var c = service.Configuration;
        LogStarted(logger, c.ConfigId, c.ErsIp, c.ErsPort, c.RoomId);
        events.Publish(EventTypes.WebRtcServiceStarted, Payload(c));
    }

    private async ValueTask ShutdownAsync(WebRtcService service)
    {
        await service.StopAsync().ConfigureAwait(false);
        var c = service.Configuration;
        LogStopped(logger, c.ConfigId, c.ErsIp, c.ErsPort, c.RoomId);
        events.Publish(EventTypes.WebRtcServiceStopped, Payload(c));
    }

    private static JsonObject Payload(WebRtcServiceConfiguration c) => new()
    {
        ["configId"] = c.ConfigId,
        ["ersIp"] = c.ErsIp,
        ["ersPort"] = c.ErsPort,
        ["roomId"] = c.RoomId,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "WebRTC service {ConfigId} started: ERS {ErsIp}:{ErsPort}, room {RoomId}")]
    private static partial void LogStarted(ILogger logger, long configId, string ersIp, int ersPort, string roomId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebRTC service {ConfigId} stopped: ERS {ErsIp}:{ErsPort}, room {RoomId}")]
    private static partial void LogStopped(ILogger logger, long configId, string ersIp, int ersPort, string roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved WebRTC configuration {ConfigId} is malformed; not restored")]
    private static partial void LogSkipped(ILogger logger, long configId);
}
