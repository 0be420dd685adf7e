using System.Collections.Concurrent;
using System.Net;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>The on_publish-style callback against a real HTTP endpoint on loopback; its clock is fake.</summary>
public sealed class PublishCallbackTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>A Kestrel endpoint on an ephemeral loopback port answering each POST with <see cref="Status"/>.</summary>
    private sealed class Endpoint : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Endpoint(WebApplication app) => _app = app;

        public int Status { get; set; } = StatusCodes.Status200OK;

        /// <summary>When set, requests wait on it (an endpoint that does not answer).</summary>
        public TaskCompletionSource? Hold { get; set; }

        public ConcurrentQueue<IFormCollection> Forms { get; } = new();

        public ChangeSignal Arrived { get; } = new();

        public string Url { get; private init; } = "";

        public static async Task<Endpoint> StartAsync()
        {
            Endpoint? endpoint = null;
            var (app, baseAddress) = await LoopbackWebApp.StartAsync(app => app.MapPost("/on_publish", async (HttpContext context) =>
            {
                endpoint!.Forms.Enqueue(await context.Request.ReadFormAsync());
                endpoint.Arrived.Notify();
                if (endpoint.Hold is { } hold)
                    await hold.Task.WaitAsync(context.RequestAborted);
                context.Response.StatusCode = endpoint.Status;
            }));
            endpoint = new Endpoint(app) { Url = baseAddress + "/on_publish" };
            return endpoint;
        }

        public async ValueTask DisposeAsync()
        {
            Hold?.TrySetResult();
            await _app.DisposeAsync();
        }
    }

    private PublishAuthorizer With(string url, Action<IngestOptions>? configure = null)
    {
        var options = new IngestOptions();
        options.PublishCallback.Url = url;
        configure?.Invoke(options);
        return new PublishAuthorizer(Options.Create(options), new StreamHub(), _time);
    }

    private static Task<PublishDecision> Ask(PublishAuthorizer authorizer, string requested, string address = "192.0.2.7") =>
        authorizer.AuthorizeAsync(new PublishRequest("RTMP", requested, new IPEndPoint(IPAddress.Parse(address), 50000), "live"), CancellationToken.None);

    [Fact]
    public async Task A_2xx_admits_and_the_endpoint_gets_the_nginx_rtmp_form_with_the_publishers_query()
    {
        await using var endpoint = await Endpoint.StartAsync();
        using var authorizer = With(endpoint.Url);
        Assert.False(authorizer.IsOpen);

        var decision = await Ask(authorizer, "cam?key=a%20b&x=1");

        Assert.True(decision.Allowed);
        Assert.Equal("cam", decision.Name);
        var form = Assert.Single(endpoint.Forms);
        Assert.Equal("publish", form["call"]);
        Assert.Equal("rtmp", form["protocol"]);
        Assert.Equal("192.0.2.7", form["addr"]);
        Assert.Equal("live", form["app"]);
        Assert.Equal("cam", form["name"]);
        Assert.Equal("a b", form["key"]);
        Assert.Equal("1", form["x"]);
    }

    [Fact]
    public async Task Any_other_status_refuses_and_says_which()
    {
        await using var endpoint = await Endpoint.StartAsync();
        endpoint.Status = StatusCodes.Status302Found; // redirects are not followed: a refusal like any non-2xx
        using var authorizer = With(endpoint.Url);
        var decision = await Ask(authorizer, "cam");
        Assert.False(decision.Allowed);
        Assert.Equal("the publish callback answered 302", decision.Reason);
    }

    [Fact]
    public async Task An_answer_is_reused_for_the_same_publish_until_the_cache_time_passes()
    {
        await using var endpoint = await Endpoint.StartAsync();
        endpoint.Status = StatusCodes.Status403Forbidden;
        using var authorizer = With(endpoint.Url);

        Assert.False((await Ask(authorizer, "cam?key=x")).Allowed);
        endpoint.Status = StatusCodes.Status200OK;
        Assert.False((await Ask(authorizer, "cam?key=x")).Allowed); // cached refusal
        Assert.Single(endpoint.Forms);

        Assert.True((await Ask(authorizer, "cam?key=y")).Allowed); // another query is another question
        Assert.True((await Ask(authorizer, "cam?key=x", "192.0.2.8")).Allowed); // and another address
        Assert.Equal(3, endpoint.Forms.Count);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await Ask(authorizer, "cam?key=x")).Allowed);
        Assert.Equal(4, endpoint.Forms.Count);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_in_time_refuses_and_is_asked_again_next_time()
    {
        await using var endpoint = await Endpoint.StartAsync();
        endpoint.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var authorizer = With(endpoint.Url);

        var asking = Ask(authorizer, "cam");
        await endpoint.Arrived.WaitUntilAsync(() => !endpoint.Forms.IsEmpty, "the callback was not called");
        Assert.False(asking.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        var decision = await asking.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(decision.Allowed);
        Assert.Equal("the publish callback did not answer within 5 s", decision.Reason);
        endpoint.Hold.TrySetResult();
        endpoint.Hold = null;
        Assert.True((await Ask(authorizer, "cam")).Allowed); // a timeout is not cached
    }

    [Fact]
    public async Task An_unreachable_endpoint_refuses()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var authorizer = With($"http://127.0.0.1:{port}/on_publish");
        var decision = await Ask(authorizer, "cam");
        Assert.False(decision.Allowed);
        Assert.StartsWith("the publish callback failed: ", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_credentials_are_checked_first_and_the_callback_has_the_last_word()
    {
        await using var endpoint = await Endpoint.StartAsync();
        endpoint.Status = StatusCodes.Status403Forbidden;
        using var authorizer = With(endpoint.Url, o => o.PublishKeys["cam"] = "k");

        Assert.Equal("wrong publish key or user/password", (await Ask(authorizer, "cam?key=bad")).Reason);
        Assert.Empty(endpoint.Forms); // a wrong key never reaches the endpoint
        Assert.Equal("the publish callback answered 403", (await Ask(authorizer, "cam?key=k")).Reason);
    }
}
