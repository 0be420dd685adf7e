using System.Diagnostics;
using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Sessions are data that a fixed set of workers drives: connecting many of them creates no timer and no thread per
/// session. ICE and the DTLS handshakes (DtlsEndpoint, on the session's worker) run on fake time.
/// </summary>
public sealed class SessionWorkerTests
{
    private const int Pairs = 60;

    // Connecting adds no thread of ours (the DTLS handshake runs on the session's worker since DtlsEndpoint; before, it
    // took one of BouncyCastle's 64 handshake threads): the slack is the runtime's own, e.g. the thread pool growing
    // under test classes that run in parallel.
    private const int RuntimeThreads = 32;

    [Fact]
    public async Task Connecting_many_sessions_creates_no_timer_or_thread_per_session()
    {
        var time = new CountingTimeProvider();
        var net = new InMemoryPeerNetwork();
        var certificate = DtlsCertificate.Generate();
        var sessions = new List<PeerSession>();
        var connected = new List<Task>();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        try
        {
            for (var i = 0; i < Pairs; i++)
            {
                var server = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000 + i),
                    new PeerSessionOptions { Certificate = certificate, RandomSeed = i }, time);
                var browser = net.CreateSession(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 5000 + i),
                    new PeerSessionOptions { Certificate = certificate, RandomSeed = 1000 + i }, time);
                sessions.Add(server);
                sessions.Add(browser);
                connected.Add(IceTcpTests.WhenConnected(server));
                connected.Add(IceTcpTests.WhenConnected(browser));
                await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { Video = true }));
                await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());
            }

            await PeerSessionTests.StepUntilAsync(time, Task.WhenAll(connected));

            // The network runs two workers for this clock: their two timers are all the sessions use.
            Assert.Equal(2, time.TimersCreated);
            var threadsAdded = Process.GetCurrentProcess().Threads.Count - threadsBefore;
            Assert.True(threadsAdded < RuntimeThreads,
                $"{2 * Pairs} connected sessions added {threadsAdded} threads; one each would add {2 * Pairs}");
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task On_the_system_clock_the_loop_wakes_sessions_at_their_deadlines_itself()
    {
        // With the system clock a worker has no timer: its loop sleeps until the earliest deadline. Nothing reaches the
        // server here (the browser is cut off), so only its own wake-ups can send the checks after the first, paced and
        // retransmitted (RFC 8445 §6.1.4.2, RFC 8489 §6.2.1).
        var net = new InMemoryPeerNetwork();
        var serverAddress = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000);
        var browserAddress = new IPEndPoint(IPAddress.Parse("192.0.2.2"), 6000);
        net.Block(browserAddress);
        var sent = 0;
        var resent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        net.Sending += from =>
        {
            if (from.Equals(serverAddress) && Interlocked.Increment(ref sent) == 3)
            {
                resent.TrySetResult();
            }
        };
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), RandomSeed = 1 };
        await using var server = net.CreateSession(serverAddress, options, TimeProvider.System);
        await using var browser = net.CreateSession(browserAddress, options with { RandomSeed = 2 }, TimeProvider.System);
        await browser.SetRemoteDescriptionAsync(await server.CreateOfferAsync(new WebRtcOfferOptions { Video = true }));
        await server.SetRemoteDescriptionAsync(await browser.CreateAnswerAsync());

        await resent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PeerSessionState.Checking, server.State);
    }

    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
