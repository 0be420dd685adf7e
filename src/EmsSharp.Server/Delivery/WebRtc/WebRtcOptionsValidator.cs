using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>Validates <see cref="WebRtcOptions"/> at load, so a bad value stops the start and is named.</summary>
internal sealed class WebRtcOptionsValidator : IValidateOptions<WebRtcOptions>
{
    /// <summary>Most session workers accepted: far past any core count, low enough that a typo cannot start thousands.</summary>
    public const int MaxWorkers = 256;

    public ValidateOptionsResult Validate(string? name, WebRtcOptions options)
    {
        var errors = new List<string>();
        if (options.Workers is < 0 or > MaxWorkers)
            errors.Add($"WebRtc:Workers must be 0..{MaxWorkers} (0: one per processor).");
        if (options.MaxViewers < 0)
            errors.Add($"WebRtc:MaxViewers must be >= 0 (0: no cap), not {options.MaxViewers}.");
        if (options.StreamWaitTimeout <= TimeSpan.Zero || options.StreamWaitTimeout > TimeSpan.FromHours(1))
            errors.Add("WebRtc:StreamWaitTimeout must be > 0 and <= 1 hour (e.g. 00:00:10).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
