using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Recording;

/// <summary>Checks <see cref="RecordOptions"/> at start-up so a bad value fails early with a clear message.</summary>
internal sealed class RecordOptionsValidator : IValidateOptions<RecordOptions>
{
    public ValidateOptionsResult Validate(string? name, RecordOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.MediaFolder) || options.MediaFolder.Any(char.IsControl))
        {
            failures.Add("Record:MediaFolder must be a folder path.");
        }

        if (options.QueueFrames is < 16 or > 1_000_000)
        {
            failures.Add($"Record:QueueFrames must be 16..1000000 (got {options.QueueFrames}).");
        }

        if (options.FragmentDuration < TimeSpan.FromMilliseconds(100) || options.FragmentDuration > TimeSpan.FromSeconds(60))
        {
            failures.Add("Record:FragmentDuration must be 100 ms to 60 s (e.g. 00:00:01).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
