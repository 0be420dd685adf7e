namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// One attack on the running system. <see cref="Name"/> says what it tries and what must hold; <see cref="RunAsync"/>
/// does it and asserts what must hold (any exception is the probe failing), and returns what it observed, in a few words.
/// After it, every listener must still serve a normal client (<see cref="NormalClients"/>).
/// </summary>
internal sealed record Probe(string Name, Func<AdversarialRig, CancellationToken, Task<string>> RunAsync)
{
    /// <summary>How long the probe may take (the normal clients after it are bounded apart).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
}
