using System.Net;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>Checks <see cref="WhepOptions"/> at start-up.</summary>
internal sealed class WhepOptionsValidator : IValidateOptions<WhepOptions>
{
    public ValidateOptionsResult Validate(string? name, WhepOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
            failures.Add($"Whep:Port must be 0..65535 (got {options.Port}).");
        if (!IPAddress.TryParse(options.BindAddress, out _))
            failures.Add($"Whep:BindAddress is not an IP address ({options.BindAddress}).");
        StreamKeys.Validate(options.ReadKeys, "Whep:ReadKeys", failures);
        foreach (var origin in options.AllowedOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" && origin.TrimEnd('/') == uri.GetLeftPart(UriPartial.Authority)))
                failures.Add($"Whep:AllowedOrigins: \"{origin}\" is not an origin (scheme://host[:port]) or *.");
        }

        foreach (var server in options.IceServers)
        {
            if (!server.Url.StartsWith("stun:", StringComparison.OrdinalIgnoreCase) && !server.Url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) &&
                !server.Url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase))
                failures.Add($"Whep:IceServers: \"{server.Url}\" is not a stun:, turn: or turns: URL.");
            if (server.Url.Contains('>', StringComparison.Ordinal) || (server.Username + server.Credential).Contains('"', StringComparison.Ordinal))
                failures.Add($"Whep:IceServers: \"{server.Url}\" has a character a Link header cannot carry ('>' in the URL, '\"' in the username or credential).");
        }

        if (options.MaxSessionsPerAddress < 1)
            failures.Add("Whep:MaxSessionsPerAddress must be at least 1.");
        if (options.MaxSessions < 1)
            failures.Add("Whep:MaxSessions must be at least 1.");
        if (options.MaxConnectionsPerAddress < 1)
            failures.Add("Whep:MaxConnectionsPerAddress must be at least 1.");
        if (options.MaxSdpBytes is < 1024 or > 1024 * 1024)
            failures.Add($"Whep:MaxSdpBytes must be 1024..1048576 (got {options.MaxSdpBytes}).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
