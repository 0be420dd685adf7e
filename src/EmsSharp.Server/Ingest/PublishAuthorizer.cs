using EmsSharp.Media.Hub;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Who may publish what over RTMP and RTSP (ours; nginx-rtmp's <c>allow publish</c>, MediaMTX's per-path credentials):
/// with <see cref="IngestOptions.PublishKeys"/> empty anyone may publish any valid free name, as EvoStream did; with
/// keys, a publisher names its key in the stream name's query (<c>name?key=SECRET</c>, OBS's stream key field or an
/// ffmpeg URL), and only the key of that name (or of <c>*</c>) admits it.
/// </summary>
internal sealed class PublishAuthorizer(IOptions<IngestOptions> options)
{
    /// <summary>True when keys are configured (publishing is closed to anyone without one).</summary>
    public bool KeysRequired => options.Value.PublishKeys.Count > 0;

    /// <summary>
    /// Splits what a publisher asked for (<c>name</c> or <c>name?key=...</c>) and decides. The stream name is always the
    /// part before the query; <paramref name="reason"/> says in plain words why a publish is refused.
    /// </summary>
    public bool TryAuthorize(string requested, out string name, out string reason)
    {
        (name, var query) = StreamKeys.Split(requested);
        if (!StreamName.IsValid(name, out reason))
        {
            return false;
        }

        var keys = options.Value.PublishKeys;
        if (keys.Count == 0)
        {
            return true;
        }

        if (!StreamKeys.TryGetSecret(keys, name, out var expected))
        {
            reason = $"no publish key is configured for stream {name}";
            return false;
        }

        var given = StreamKeys.QueryValue(query, "key");
        if (given is null)
        {
            reason = "a publish key is required (name?key=...)";
            return false;
        }

        if (!StreamKeys.SecretEquals(given, expected))
        {
            reason = "wrong publish key";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
