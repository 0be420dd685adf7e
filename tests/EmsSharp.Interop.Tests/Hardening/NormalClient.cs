namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// What a well-behaved client of one listener does, from 127.0.0.1: <see cref="ServeAsync"/> throws unless the listener
/// served it.
/// </summary>
internal sealed record NormalClient(string Listener, Func<AdversarialRig, CancellationToken, Task> ServeAsync)
{
    /// <summary>How long being served may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
