using EmsSharp.Media.Hub;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Media.Tests.Hub;

public class StreamHubTests
{
    [Fact]
    public void Second_publisher_of_a_live_name_is_refused_until_the_first_ends()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("cam", out var first));
        Assert.False(hub.TryPublish("cam", out var second));
        Assert.Null(second);
        first.Dispose();
        Assert.True(hub.TryPublish("cam", out var third));
        Assert.NotEqual(first.Id, third.Id);
    }

    [Fact]
    public void Lookup_enumeration_and_events_follow_the_streams()
    {
        var hub = new StreamHub();
        var created = new List<string>();
        var closed = new List<string>();
        hub.StreamCreated += s => created.Add(s.Name);
        hub.StreamClosed += s => closed.Add(s.Name);
        Assert.True(hub.TryPublish("a", out var a));
        Assert.True(hub.TryPublish("b", out var b));
        Assert.True(hub.TryGetStream("a", out var found));
        Assert.Same(a, found);
        Assert.True(hub.TryGetStream(b.Id, out var byId));
        Assert.Same(b, byId);
        Assert.Equal(["a", "b"], hub.GetStreams().Select(s => s.Name));
        a.Dispose();
        a.Dispose();
        Assert.False(hub.TryGetStream("a", out _));
        Assert.Equal(["a", "b"], created);
        Assert.Equal(["a"], closed);
        Assert.Equal(1, hub.Count);
        Assert.True(a.IsClosed);
        Assert.True(a.Completion.IsCompleted);
    }

    [Fact]
    public async Task WaitForStream_completes_when_the_stream_is_published()
    {
        var hub = new StreamHub();
        var wait = hub.WaitForStreamAsync("late", TimeSpan.FromSeconds(30));
        Assert.False(wait.IsCompleted);
        Assert.True(hub.TryPublish("late", out var stream));
        Assert.Same(stream, await wait);
        Assert.Same(stream, await hub.WaitForStreamAsync("late", TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task WaitForStream_returns_null_on_timeout_of_the_hub_clock()
    {
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        var wait = hub.WaitForStreamAsync("never", TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await wait);
    }

    [Fact]
    public async Task WaitForStream_throws_when_cancelled()
    {
        var hub = new StreamHub();
        using var cts = new CancellationTokenSource();
        var wait = hub.WaitForStreamAsync("never", TimeSpan.FromMinutes(1), cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
