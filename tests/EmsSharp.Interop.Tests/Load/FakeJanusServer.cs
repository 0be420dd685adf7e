using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Interop.Tests.Load;

/// <summary>
/// A scripted stand-in for the Janus WebSocket API on 127.0.0.1:0, for the paths a real Janus will not take on
/// demand (oversized messages, silence, trickled candidates): every request the client sends is handed to the
/// script, which answers with whatever JSON it likes.
/// </summary>
internal sealed class FakeJanusServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<FakeJanusServer, JsonElement, Task> _script;
    private readonly Channel<JsonElement> _requests = Channel.CreateUnbounded<JsonElement>();
    private WebSocket? _socket;

    private FakeJanusServer(WebApplication app, Func<FakeJanusServer, JsonElement, Task> script)
    {
        _app = app;
        _script = script;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request received, in order.</summary>
    public ChannelReader<JsonElement> Requests => _requests.Reader;

    public static async Task<FakeJanusServer> StartAsync(Func<FakeJanusServer, JsonElement, Task> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeJanusServer(app, script);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri("ws://127.0.0.1:" + new Uri(address).Port + "/");
        return server;
    }

    /// <summary>Sends one text message to the client (any JSON, or anything at all).</summary>
    public Task SendAsync(string text) =>
        _socket!.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest
            || !context.WebSockets.WebSocketRequestedProtocols.Contains("janus-protocol"))
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync("janus-protocol");
        _socket = socket;
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                using var document = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                var request = document.RootElement.Clone();
                _requests.Writer.TryWrite(request);
                await _script(this, request);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }
}
