using System.Security.Cryptography;
using System.Text.Json;
using EmsSharp.Protocols.Turn;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;
using EmsSharp.Rendezvous.Turn;

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
        // TURN REST credentials of the bundled server: the tag is the socket's session id, and the
        // credential only works while that socket is open.
        TurnCredentials = new TurnRestCredentials(
            options.Turn.Secret ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), time, Sessions.IsOpen);
    }

    public ErsOptions Options { get; }

    public TimeProvider Time { get; }

    public TokenStore Tokens { get; }

    public RoomRegistry Rooms { get; }

    public SocketIoSessions Sessions { get; }

    public JsonElement StunServers { get; }

    public TurnRestCredentials TurnCredentials { get; }

    /// <summary>The bundled STUN/TURN server, when enabled and started.</summary>
    public TurnHost? Turn { get; set; }

    /// <summary>Cancelled when the host stops: every open socket closes at once.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void Stop() => _stopping.Cancel();

    public void Dispose()
    {
        Sessions.Dispose();
        _stopping.Dispose();
    }
}
