using System.Diagnostics;
using EmsSharp.Interop.Tests.Playback;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// Issue 12's "must show": the findings of an attacker's session against ems and ers, replayed against both running in
/// process on loopback. Every probe runs in turn, bounded in time; after each, every listener must still serve a normal
/// client; over the run, memory may grow only within a bound and no reply may carry a stack trace. Results are collected,
/// not stopped at the first failure, and the run prints one summary line. A new finding is a new <see cref="Probe"/> in
/// the group it belongs to (SlotProbes, RtmpProbes, RtspProbes, ApiProbes, ErsProbes, WebRtcProbes, TurnProbes).
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class AdversarialSuiteTests(ITestOutputHelper output)
{
    private const int RssBoundMegabytes = 200;

    /// <summary>
    /// Covered by tests of their own, not here: the cores' unit tests (see WebRtcProbes), the wss and secure-ERS TLS
    /// handshake deadlines (WsFmp4SecureTests, SecureErsHandshakeTests: they need a certificate), the publish callback
    /// (PublishCallbackTests, against a real HTTP endpoint) and RTSP Digest publishing (PublishCredentialsInteropTests, ffmpeg).
    /// </summary>
    private const string CoveredElsewhere =
        "partial PPIDs, out-of-window SCTP DATA and the answer/DTLS deadlines: unit tests; TLS handshake deadlines, publish callback, RTSP Digest: own tests";

    private static IEnumerable<Probe> Probes =>
        [.. SlotProbes.All, .. RtmpProbes.All, .. RtspProbes.All, .. ApiProbes.All, .. WsFmp4Probes.All, .. ErsProbes.All, .. WebRtcProbes.All, .. TurnProbes.All];

    [Fact]
    public async Task Every_probe_holds_and_every_listener_still_serves_a_normal_client_after_each()
    {
        var elapsed = Stopwatch.StartNew();
        await using var rig = await AdversarialRig.StartAsync();
        var unserved = await ServeEveryListenerAsync(rig);
        Assert.True(unserved.Count == 0, "before any probe: " + string.Join("; ", unserved));
        var before = MemorySample.Take();

        var results = new List<ProbeResult>();
        foreach (var probe in Probes)
        {
            var (observed, failure) = await RunAsync(probe.Timeout, token => probe.RunAsync(rig, token));
            results.Add(new ProbeResult(probe.Name, observed, failure, await ServeEveryListenerAsync(rig)));
        }

        var after = MemorySample.Take();
        var rss = after.WorkingSet - before.WorkingSet;
        var failed = results.Where(r => !r.Held).ToList();
        var summary = $"adversarial: {results.Count - failed.Count} probes held, {failed.Count} failed; " +
            $"{NormalClients.All.Count} listeners checked after each, {results.Sum(r => r.Unserved.Count)} not served; " +
            $"RSS {MemorySample.Growth(rss)} (bound {RssBoundMegabytes} MB), GC heap {MemorySample.Growth(after.GcHeap - before.GcHeap)}; " +
            $"{rig.Replies.Leaks.Count} stack traces in {rig.Replies.Count} replies; {elapsed.Elapsed.TotalSeconds:F0} s; {CoveredElsewhere}";
        output.WriteLine(summary);
        Console.WriteLine(summary);

        Assert.True(failed.Count == 0, string.Join("\n", failed));
        Assert.True(rig.Replies.Leaks.Count == 0, "stack traces in replies:\n" + string.Join("\n", rig.Replies.Leaks.Take(10)));
        Assert.True(rss < RssBoundMegabytes * MemorySample.Megabyte, summary);
    }

    /// <summary>Every listener's normal client in turn, each bounded by its own timeout; what was not served, and why.</summary>
    private static async Task<List<string>> ServeEveryListenerAsync(AdversarialRig rig)
    {
        var unserved = new List<string>();
        foreach (var client in NormalClients.All)
        {
            var (_, failure) = await RunAsync(client.Timeout, async token =>
            {
                await client.ServeAsync(rig, token);
                return string.Empty;
            });
            if (failure is not null)
                unserved.Add($"{client.Listener}: {failure}");
        }

        return unserved;
    }

    /// <summary>Runs <paramref name="action"/> for at most <paramref name="timeout"/>: what it returned, or why it failed.</summary>
    private static async Task<(string? Observed, string? Failure)> RunAsync(TimeSpan timeout, Func<CancellationToken, Task<string>> action)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return (await action(cancel.Token).WaitAsync(timeout), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, e is TimeoutException || cancel.IsCancellationRequested ? $"not done within {timeout.TotalSeconds:F0} s ({e.GetType().Name}: {e.Message})" : $"{e.GetType().Name}: {e.Message}");
        }
    }

    private sealed record ProbeResult(string Name, string? Observed, string? Failure, List<string> Unserved)
    {
        public bool Held => Failure is null && Unserved.Count == 0;

        public override string ToString() =>
            $"{Name}: {Failure ?? Observed}" + (Unserved.Count == 0 ? string.Empty : "; not served after it: " + string.Join("; ", Unserved));
    }
}
