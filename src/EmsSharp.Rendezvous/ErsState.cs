using System.Text.Json;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous;

/// <summary>State shared by the signalling and admin listeners of one ERS.</summary>
internal sealed class ErsState : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public ErsState(ErsOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        Tokens = new TokenStore(options.Tokens, options.EmsTokens, options.AllowedRooms);
        Rooms = new RoomRegistry(options, Tokens, time);
        Sessions = new SocketIoSessions(options.Limits, time);
        StunServers = JsonSerializer.SerializeToElement(options.StunServers);
    }

    public ErsOptions Options { get; }

    public TimeProvider Time { get; }

    public TokenStore Tokens { get; }

    public RoomRegistry Rooms { get; }

    public SocketIoSessions Sessions { get; }

    public JsonElement StunServers { get; }

    /// <summary>Cancelled when the host stops: every open socket closes at once.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void Stop() => _stopping.Cancel();

    public void Dispose()
    {
        Sessions.Dispose();
        _stopping.Dispose();
    }
}
