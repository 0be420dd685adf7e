using System.Net;
using EmsSharp.Media.Ring;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Checks <see cref="WsFmp4Options"/> and <see cref="Fmp4SourceOptions"/> at start-up.</summary>
internal sealed class WsFmp4OptionsValidator : IValidateOptions<WsFmp4Options>, IValidateOptions<Fmp4SourceOptions>
{
    public ValidateOptionsResult Validate(string? name, WsFmp4Options options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"WsFmp4:Port must be 0..65535 (got {options.Port}).");
        }

        if (options.SecurePort is < 0 or > 65535)
        {
            failures.Add($"WsFmp4:SecurePort must be 0..65535 (got {options.SecurePort}).");
        }

        if (string.IsNullOrEmpty(options.Cert) != string.IsNullOrEmpty(options.Key))
        {
            failures.Add("WsFmp4:Cert and WsFmp4:Key must be given together (or neither, for no wss listener).");
        }

        if (options.Secure && options.SecurePort != 0 && options.SecurePort == options.Port)
        {
            failures.Add($"WsFmp4:SecurePort must differ from WsFmp4:Port (both {options.Port}).");
        }

        if (options.TlsHandshakeTimeout <= TimeSpan.Zero || options.TlsHandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("WsFmp4:TlsHandshakeTimeout must be > 0 and <= 5 minutes (e.g. 00:00:10).");
        }

        StreamKeys.Validate(options.ReadKeys, "WsFmp4:ReadKeys", failures);

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"WsFmp4:BindAddress is not an IP address ({options.BindAddress}).");
        }

        if (options.StreamWaitTimeout <= TimeSpan.Zero)
        {
            failures.Add("WsFmp4:StreamWaitTimeout must be positive.");
        }

        if (options.MaxStreamNameLength < 1)
        {
            failures.Add("WsFmp4:MaxStreamNameLength must be at least 1.");
        }

        if (options.MaxViewersPerAddress < 1)
        {
            failures.Add("WsFmp4:MaxViewersPerAddress must be at least 1.");
        }

        if (options.MaxConnectionsPerAddress < options.MaxViewersPerAddress)
        {
            failures.Add("WsFmp4:MaxConnectionsPerAddress must be at least WsFmp4:MaxViewersPerAddress (each viewer holds a connection), or unset.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, Fmp4SourceOptions options)
    {
        var failures = new List<string>();
        if (options.ReaderCapacity < 16)
        {
            failures.Add("Fmp4:ReaderCapacity must be at least 16.");
        }

        if (options.ViewerQueueFragments < 2 || options.ViewerQueueBytes < 64 * 1024)
        {
            failures.Add("Fmp4:ViewerQueueFragments must be at least 2 and Fmp4:ViewerQueueBytes at least 65536.");
        }

        if (options.MaxGopFragments < 1 || options.MaxGopBytes < 1)
        {
            failures.Add("Fmp4:MaxGopFragments and Fmp4:MaxGopBytes must be positive.");
        }

        if (Math.Max(options.ReaderCapacity, Math.Max(options.ViewerQueueFragments, options.MaxGopFragments)) > StreamRingOptions.MaxUnits)
        {
            failures.Add($"Fmp4:ReaderCapacity, Fmp4:ViewerQueueFragments and Fmp4:MaxGopFragments must be at most {StreamRingOptions.MaxUnits}.");
        }

        if (options.MaxFragmentDuration < TimeSpan.Zero)
        {
            failures.Add("Fmp4:MaxFragmentDuration must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
