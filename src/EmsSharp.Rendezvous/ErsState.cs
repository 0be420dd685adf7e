using System.Security.Cryptography;
using System.Text.Json;
using EmsSharp.Protocols.Turn;
using EmsSharp.Rendezvous.Admin;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;
using EmsSharp.Rendezvous.Turn;

namespace EmsSharp.Rendezvous;

/// <summary>State shared by the signalling and admin listeners of one ERS.</summary>
internal sealed class ErsState : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _saveGate = new();
    private Task _backgroundSaves = Task.CompletedTask;

    /// <exception cref="InvalidDataException">The admin state file exists but is not readable as one.</exception>
    public ErsState(ErsOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        StateFile = options.StateFile is { Length: > 0 } file ? new AdminStateFile(options.Resolve(file)) : null;
        AdminState? saved = StateFile?.Load();
        LoadedFromStateFile = saved is not null;

        // A saved state replaces the configured lists (it holds their later admin changes); tokensEnabled,
        // a configuration switch, still makes the EMS role need a token.
        AdminState start = saved is null ? AdminState.FromOptions(options)
            : saved with { EmsTokenRequired = saved.EmsTokenRequired || options.Server.TokensEnabled };
        // A viewer token's first use is saved too (else a restart would make a used token fresh again), off
        // the room lock the use happens under: saves take their snapshot in turn, so the last one is the latest.
        Tokens = new TokenStore(start, SaveInBackground);
        Rooms = new RoomRegistry(options, Tokens, time);
        Sessions = new SocketIoSessions(options.Limits, time);
        StunServers = JsonSerializer.SerializeToElement(options.StunServers);
        // TURN REST credentials of the bundled server: the tag is the socket's session id, and the
        // credential only works while that socket is open.
        TurnCredentials = new TurnRestCredentials(
            options.Turn.Secret ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), time, Sessions.IsOpen);
    }

    public ErsOptions Options { get; }

    /// <summary>Where admin changes are saved, or null when they are kept in memory only.</summary>
    public AdminStateFile? StateFile { get; }

    /// <summary>True when the rooms and tokens came from the state file rather than the configuration.</summary>
    public bool LoadedFromStateFile { get; }

    /// <summary>Set once the listeners' logging exists.</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public TimeProvider Time { get; }

    public TokenStore Tokens { get; }

    public RoomRegistry Rooms { get; }

    public SocketIoSessions Sessions { get; }

    public JsonElement StunServers { get; }

    public TurnRestCredentials TurnCredentials { get; }

    /// <summary>The bundled STUN/TURN server, when enabled and started.</summary>
    public TurnHost? Turn { get; set; }

    /// <summary>
    /// The <c>stunservers</c> and <c>turnservers</c> for the client <paramref name="sid"/> (a socket, or a WHEP session) of
    /// <paramref name="context"/>'s request: the configured lists (TURN <c>secret</c> entries minted), else the bundled
    /// server with credentials that work while that client is open.
    /// </summary>
    public (JsonElement Stun, JsonElement Turn) IceServers(string sid, HttpContext context) =>
        Turn is { } bundled && TurnHandout.Applies(Options)
            ? TurnHandout.Build(bundled, TurnCredentials, sid, context, Options.Turn)
            : (StunServers, EmsSharp.Rendezvous.Rooms.TurnCredentials.Mint(Options.TurnServers, Time.GetUtcNow()));

    /// <summary>Cancelled when the host stops: every open socket closes at once.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Stops: the rooms stop announcing leaves first, then every socket closes. A peer the ERS disconnects by stopping has
    /// not left its room: the ems must keep that browser's session (its media path is direct) and both rejoin when the ERS
    /// is back.
    /// </summary>
    public void Stop()
    {
        Rooms.Close();
        _stopping.Cancel();
    }

    /// <summary>Saves the rooms and tokens to the state file, if any; returns why it failed, or null.</summary>
    public string? SaveAdminState()
    {
        if (StateFile is null)
        {
            return null;
        }

        try
        {
            StateFile.Save(Tokens.Snapshot);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ErsLog.StateNotSaved(Logger, StateFile.Path, e.Message);
            return e.Message;
        }
    }

    /// <summary>
    /// The saves started in the background so far, one after the other; the host waits for them before it is gone, so
    /// none is lost at stop or writes into a folder being removed (a test's temporary folder once failed to delete so).
    /// </summary>
    public Task BackgroundSaves
    {
        get
        {
            lock (_saveGate)
            {
                return _backgroundSaves;
            }
        }
    }

    private void SaveInBackground()
    {
        lock (_saveGate)
        {
            _backgroundSaves = _backgroundSaves.ContinueWith(_ => SaveAdminState(), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        Sessions.Dispose();
        _stopping.Dispose();
    }
}
