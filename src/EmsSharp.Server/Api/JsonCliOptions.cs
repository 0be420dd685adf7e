namespace EmsSharp.Server.Api;

/// <summary>Where the JSON CLI listens, and how it frames its replies.</summary>
internal sealed class JsonCliOptions : EndpointOptions
{
    /// <summary>
    /// EvoStream's <c>useLengthPadding</c>: each reply is a 4-byte big-endian length, the JSON, then CR LF CR LF, as
    /// EvoStream's own clients read it (its Ruby sample skips the 4 bytes). Off (the default, shared/PROTOCOL.md §1.1):
    /// one reply per line.
    /// </summary>
    public bool LengthPadding { get; set; }
}
