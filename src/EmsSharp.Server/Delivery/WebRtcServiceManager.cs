using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// The running <see cref="WebRtcService"/>s, one per WebRTC configuration of the <see cref="ConfigurationStore"/>.
/// Replays saved configurations at start-up, stops every service (keeping saved configurations) at shutdown.
/// A removal is saved before the table changes; one service's failure to start or stop never stops the others.
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

    /// <summary>
    /// Stops the services of <paramref name="roomId"/> (all when null) and removes their configurations. The removal
    /// is saved first, in one write: when it fails (<see cref="IOException"/>) nothing is stopped or forgotten.
    /// A service that fails to stop is logged and the others are still stopped.
    /// </summary>
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

            Detach(stopped);
        }

        foreach (var service in stopped)
            await ShutdownAsync(service).ConfigureAwait(false);
        return stopped;
    }

    /// <summary>Stops and removes the service of one configuration (<c>removeConfig</c>); the removal is saved first.</summary>
    public async ValueTask<WebRtcService?> RemoveAsync(long configId)
    {
        WebRtcService? service;
        lock (_gate)
        {
            if (_services.TryGetValue(configId, out service))
                Detach([service]);
        }

        if (service is not null)
            await ShutdownAsync(service).ConfigureAwait(false);
        return service;
    }

    /// <summary>
    /// Replays the saved WebRTC configurations. One that no longer passes <c>startWebrtc</c>'s checks (saved by an
    /// older version) or fails to start is logged and kept, not run: <c>listConfig</c> shows it and
    /// <c>stopWebrtc</c>/<c>removeConfig</c> remove it.
    /// </summary>
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
                if (configuration.IsValid(out var reason))
                {
                    restored.Add(service);
                }
                else
                {
                    LogInvalid(logger, configuration.ConfigId, reason);
                    service.SetStatus(WebRtcServiceStatusCode.Failed, reason);
                }
            }
        }

        foreach (var service in restored)
            Launch(service);
        return Task.CompletedTask;
    }

    /// <summary>Stops every service at shutdown, keeping the saved configurations; one failure does not stop the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<WebRtcService> all;
        lock (_gate)
        {
            all = [.. _services.Values];
            _services.Clear();
        }

        foreach (var service in all)
            await StopLoggingFailureAsync(service).ConfigureAwait(false);
    }

    /// <summary>Saves the removal of <paramref name="services"/>' configurations, then forgets them (under the lock).</summary>
    private void Detach(List<WebRtcService> services)
    {
        store.Remove([.. services.Select(static s => s.Configuration.ConfigId)]);
        foreach (var service in services)
            _services.Remove(service.Configuration.ConfigId);
    }

    private void Launch(WebRtcService service)
    {
        var c = service.Configuration;
        try
        {
            service.Start();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Kept in the table, so stopWebrtc and removeConfig still remove it.
            LogStartFailed(logger, ex, c.ConfigId);
            service.SetStatus(WebRtcServiceStatusCode.Failed, "failed to start: " + ex.Message);
            return;
        }

        LogStarted(logger, c.ConfigId, c.ErsIp, c.ErsPort, c.RoomId);
        events.Publish(EventTypes.WebRtcServiceStarted, Payload(c));
    }

    private async ValueTask ShutdownAsync(WebRtcService service)
    {
        await StopLoggingFailureAsync(service).ConfigureAwait(false);
        var c = service.Configuration;
        LogStopped(logger, c.ConfigId, c.ErsIp, c.ErsPort, c.RoomId);
        events.Publish(EventTypes.WebRtcServiceStopped, Payload(c));
    }

    private async ValueTask StopLoggingFailureAsync(WebRtcService service)
    {
        try
        {
            await service.StopAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStopFailed(logger, ex, service.Configuration.ConfigId);
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Saved WebRTC configuration {ConfigId} not started: {Reason}; remove it with stopWebrtc or removeConfig")]
    private static partial void LogInvalid(ILogger logger, long configId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "WebRTC service {ConfigId} failed to start; kept so that stopWebrtc or removeConfig can remove it")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, long configId);

    [LoggerMessage(Level = LogLevel.Error, Message = "WebRTC service {ConfigId} failed to stop cleanly; carrying on")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, long configId);
}
