using System.Net;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>Checks <see cref="IngestOptions"/> at start-up so a bad value fails early with a clear message.</summary>
internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new List<string>();
        if (options.RtmpPort is < 0 or > 65535)
        {
            failures.Add($"Ingest:RtmpPort must be 0..65535 (got {options.RtmpPort}).");
        }

        if (!IPAddress.TryParse(options.RtmpAddress, out _))
        {
            failures.Add($"Ingest:RtmpAddress is not an IP address ({options.RtmpAddress}).");
        }

        if (options.RtmpMaxConnections < 1)
        {
            failures.Add("Ingest:RtmpMaxConnections must be at least 1.");
        }

        if (options.RtmpMaxConnectionsPerAddress < 1 || options.RtmpMaxConnectionsPerAddress > options.RtmpMaxConnections)
        {
            failures.Add("Ingest:RtmpMaxConnectionsPerAddress must be 1..RtmpMaxConnections.");
        }

        StreamKeys.Validate(options.PublishKeys, "Ingest:PublishKeys", failures);
        StreamKeys.Validate(options.RtspReadKeys, "Ingest:RtspReadKeys", failures);
        if (options.RtspStreamWaitTimeout <= TimeSpan.Zero || options.RtspStreamWaitTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("Ingest:RtspStreamWaitTimeout must be > 0 and <= 1 hour (e.g. 00:00:10).");
        }

        if (options.RtspSendTimeout < TimeSpan.FromSeconds(1) || options.RtspSendTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add("Ingest:RtspSendTimeout must be 1 second to 10 minutes.");
        }
        StreamKeys.Validate(options.PublishUsers, "Ingest:PublishUsers", failures);
        foreach (var (userName, entry) in options.PublishUsers)
        {
            var colon = entry?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon < 1 || colon == entry!.Length - 1)
            {
                failures.Add($"Ingest:PublishUsers:{userName} must be user:password (both non-empty; the user has no colon).");
            }
        }

        var callback = options.PublishCallback;
        if (!string.IsNullOrEmpty(callback.Url) &&
            (!Uri.TryCreate(callback.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Ingest:PublishCallback:Url must be an absolute http or https URL (got {callback.Url}).");
        }

        if (callback.Timeout <= TimeSpan.Zero || callback.Timeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Ingest:PublishCallback:Timeout must be more than zero and at most one minute.");
        }

        if (callback.CacheTime < TimeSpan.Zero)
        {
            failures.Add("Ingest:PublishCallback:CacheTime must not be negative.");
        }

        if (options.RtmpIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Ingest:RtmpIdleTimeout must be positive.");
        }

        StreamKeys.Validate(options.RtmpReadKeys, "Ingest:RtmpReadKeys", failures);
        if (options.RtmpPlayWaitTimeout <= TimeSpan.Zero || options.RtmpPlayWaitTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("Ingest:RtmpPlayWaitTimeout must be more than zero and at most one hour.");
        }

        if (options.RtmpSendTimeout <= TimeSpan.Zero || options.RtmpSendTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add("Ingest:RtmpSendTimeout must be more than zero and at most ten minutes.");
        }

        if (options.RtmpPlayQueueFrames is < 16 or > 100_000)
        {
            failures.Add("Ingest:RtmpPlayQueueFrames must be 16..100000.");
        }

        if (options.RtmpMaxMessageLength is < 1024 or > 0xFFFFFF)
        {
            failures.Add("Ingest:RtmpMaxMessageLength must be 1024..16777215.");
        }

        if (options.RtspPort is < 0 or > 65535)
        {
            failures.Add($"Ingest:RtspPort must be 0..65535 (got {options.RtspPort}).");
        }

        if (!IPAddress.TryParse(options.RtspAddress, out _))
        {
            failures.Add($"Ingest:RtspAddress is not an IP address ({options.RtspAddress}).");
        }

        if (options.RtspMaxConnections < 1)
        {
            failures.Add("Ingest:RtspMaxConnections must be at least 1.");
        }

        if (options.RtspMaxConnectionsPerAddress < 1 || options.RtspMaxConnectionsPerAddress > options.RtspMaxConnections)
        {
            failures.Add("Ingest:RtspMaxConnectionsPerAddress must be 1..RtspMaxConnections.");
        }

        if (options.RtspIdleTimeout < TimeSpan.FromSeconds(4))
        {
            failures.Add("Ingest:RtspIdleTimeout must be at least 4 seconds.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in options.FileSources)
        {
            if (string.IsNullOrWhiteSpace(source.Path))
            {
                failures.Add("Ingest:FileSources entries need a Path.");
            }
            else if (!names.Add(source.EffectiveStreamName))
            {
                failures.Add($"Ingest:FileSources stream name {source.EffectiveStreamName} is used twice.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
