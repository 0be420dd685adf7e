namespace EmsSharp.Media.Hub;

/// <summary>
/// What a stream name a publisher chooses may be (ours; RTMP and RTSP set no rule): 1 to 256 characters of letters,
/// digits and <c>-_.~/:@+=</c>, so a name is safe in URLs, logs, file names and the API, and a peer cannot make the
/// server hold or echo a huge one (an RTMP publish with a 200,000-character name was accepted).
/// </summary>
public static class StreamName
{
    /// <summary>Longest name accepted.</summary>
    public const int MaxLength = 256;

    private const string Punctuation = "-_.~/:@+=";

    /// <summary>True when <paramref name="name"/> is a valid stream name; otherwise <paramref name="reason"/> says why in plain words.</summary>
    public static bool IsValid(string? name, out string reason)
    {
        if (string.IsNullOrEmpty(name))
        {
            reason = "the stream name is empty";
            return false;
        }

        if (name.Length > MaxLength)
        {
            reason = $"the stream name is longer than {MaxLength} characters";
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !Punctuation.Contains(c, StringComparison.Ordinal))
            {
                reason = $"the stream name may only hold letters, digits and {Punctuation}";
                return false;
            }
        }

        reason = string.Empty;
        return true;
    }
}
