using System.Text.Json.Nodes;

namespace EmsSharp.Server.Configs;

/// <summary>
/// A configured item's EvoStream status (a pull, a push, a recording, an HLS output): <c>{current, previous}</c> as
/// <c>getConfigInfo</c> and <c>listConfig</c> show it (shared/EVOSTREAM-API.md §3), set by the item's run loop (and hub
/// events) and read by the API from any thread.
/// </summary>
internal sealed class ConfigStatusHolder(ConfigStatusCode initial, TimeProvider time)
{
    private readonly Lock _gate = new();
    private ConfigStatus _current = new(initial, time.GetUtcNow(), 0);
    private ConfigStatus? _previous;

    /// <summary>
    /// Moves to <paramref name="code"/> for the stream <paramref name="streamId"/> (0: none), the old status becoming
    /// <c>previous</c>; the status it already has changes nothing.
    /// </summary>
    public void Set(ConfigStatusCode code, long streamId = 0)
    {
        lock (_gate)
        {
            Transition(code, streamId);
        }
    }

    /// <summary>An attempt ended: <see cref="ConfigStatusCode.Disconnected"/> when it was streaming, else a failed connection.</summary>
    public void SetEnded()
    {
        lock (_gate)
        {
            Transition(_current.Code == ConfigStatusCode.Streaming ? ConfigStatusCode.Disconnected : ConfigStatusCode.ConnectionFailed, 0);
        }
    }

    /// <summary>
    /// <c>{current, previous}</c>, each <c>{code, description, timestamp (unix s), uniqueStreamId}</c>; <c>previous</c> is
    /// null before the first change.
    /// </summary>
    public JsonObject ToJson()
    {
        lock (_gate)
        {
            return new JsonObject { ["current"] = _current.ToJson(), ["previous"] = _previous?.ToJson() };
        }
    }

    // Under _gate.
    private void Transition(ConfigStatusCode code, long streamId)
    {
        if (_current.Code == code && _current.StreamId == streamId)
        {
            return;
        }

        _previous = _current;
        _current = new ConfigStatus(code, time.GetUtcNow(), streamId);
    }
}
