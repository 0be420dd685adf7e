using System.Security.Cryptography;
using System.Text;
using EmsSharp.Media.Hub;
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
        var query = requested.IndexOf('?', StringComparison.Ordinal);
        name = query >= 0 ? requested[..query] : requested;
        if (!StreamName.IsValid(name, out reason))
        {
            return false;
        }

        var keys = options.Value.PublishKeys;
        if (keys.Count == 0)
        {
            return true;
        }

        if (!keys.TryGetValue(name, out var expected) && !keys.TryGetValue("*", out expected))
        {
            reason = $"no publish key is configured for stream {name}";
            return false;
        }

        var given = query >= 0 ? KeyOf(requested[(query + 1)..]) : null;
        if (given is null)
        {
            reason = "a publish key is required (name?key=...)";
            return false;
        }

        // Constant time, so the comparison does not tell how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            reason = "wrong publish key";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static string? KeyOf(string query)
    {
        foreach (var part in query.Split('&'))
        {
            if (part.StartsWith("key=", StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(part[4..]);
            }
        }

        return null;
    }
}
