using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The running pulls, one per pull configuration (operationType 1) of the <see cref="ConfigurationStore"/>: saved, restored
/// at start-up, stopped at shutdown and forgotten when one-shot (so the name can be pulled again), as
/// <see cref="ConfiguredItemManager{TItem}"/> does; <c>shutdownStream</c> restarts or removes one.
/// </summary>
internal sealed class PullStreamManager(
    ConfigurationStore store, StreamHub hub, TimeProvider time, ILogger<PullStreamManager> logger, ConnectionRegistry? connections = null)
    : ConfiguredItemManager<PullStream>(store, OperationType.Pull)
{
    private readonly ConnectionRegistry _connections = connections ?? new ConnectionRegistry(time);

    /// <summary>Accepts <c>rtsp://</c> and <c>rtmp://</c> URIs with a host; the stream name defaults to the last path segment.</summary>
    public static bool TryParseUri(string text, out Uri uri, out string defaultName)
    {
        defaultName = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri!) || !(uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase) || uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase)) ||
            uri.Host.Length == 0)
        {
            return false;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        defaultName = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        if (defaultName.Length == 0)
        {
            defaultName = uri.Host;
        }

        return true;
    }

    /// <summary>Creates, saves and starts a pull. Null (and the holder's configId) when the stream name is already pulled.</summary>
    public PullStream? TryStart(Uri uri, string text, string localStreamName, bool keepAlive, bool forceTcp, out long existingConfigId) =>
        TryAdd(keepAlive,
            running => string.Equals(running.Configuration.LocalStreamName, localStreamName, StringComparison.Ordinal),
            id =>
            {
                var configuration = new PullStreamConfiguration(id, text, localStreamName, keepAlive, forceTcp);
                return (configuration.ToJson(), new PullStream(configuration, uri, hub, time, logger, _connections));
            },
            out existingConfigId);

    /// <summary>The pull publishing <paramref name="streamName"/>, or null.</summary>
    public PullStream? FindByStreamName(string streamName) =>
        FindFirst(pull => string.Equals(pull.Configuration.LocalStreamName, streamName, StringComparison.Ordinal));

    /// <summary>
    /// Stops a pull and starts it afresh from the same configuration, which stays saved (<c>shutdownStream
    /// permanently=0</c>: the stream ends and comes back). False when there is no such pull, or it was removed meanwhile.
    /// </summary>
    public ValueTask<bool> RestartAsync(long configId) =>
        RestartAsync(configId, old => TryParseUri(old.Configuration.Uri, out var uri, out _)
            ? new PullStream(old.Configuration, uri, hub, time, logger, _connections)
            : null);

    protected override PullStream? Restore(ConfigurationEntry entry)
    {
        if (!PullStreamConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId ||
            !TryParseUri(configuration.Uri, out var uri, out _))
        {
            IngestLog.PullSkipped(logger, entry.ConfigId);
            return null;
        }

        return new PullStream(configuration, uri, hub, time, logger, _connections);
    }
}
