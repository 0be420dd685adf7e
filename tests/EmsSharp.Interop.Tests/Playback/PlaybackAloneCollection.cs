namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Playback tests that run with no other test in parallel: ten pages in one Chromium, and the join-time figures,
/// which other tests' browsers on the same two cores would distort.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PlaybackAloneCollection
{
    public const string Name = "Playback alone";
}
