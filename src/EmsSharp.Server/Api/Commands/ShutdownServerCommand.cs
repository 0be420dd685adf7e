using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>shutdownServer</c>, EvoStream's two steps (shared/EVOSTREAM-API.md §4): the first call answers a key of 16 random
/// letters and digits and stops nothing; <c>shutdownServer key=&lt;that key&gt;</c> stops the server cleanly after its
/// reply. A wrong or stale key is a FAIL. The key is the server's one pending key: each first call replaces it, and using
/// it spends it.
/// </summary>
internal sealed class ShutdownServerCommand : IApiCommand
{
    private const string KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly Lock _gate = new();
    private string? _key;

    public string Name => "shutdownServer";

    public bool ChangesState => true;

    public string Description => "Stops the server (saved configurations are kept): the first call answers a key, the call with key=<it> stops";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("key", ParameterKind.NonEmptyString, false, null, "the key the first call answered"),
    ];

    // EvoStream's ASCII CLI subset (shared/EVOSTREAM-API.md §6): the key alone, whatever else a reply may carry.
    public IReadOnlySet<string>? AsciiMembers { get; } = new HashSet<string>(StringComparer.Ordinal) { "key" };

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (arguments.GetString("key") is not { } given)
        {
            var key = RandomNumberGenerator.GetString(KeyAlphabet, 16);
            lock (_gate)
            {
                _key = key;
            }

            return ValueTask.FromResult(ApiReply.Ok("Call shutdownserver again with the provided key", new JsonObject { ["key"] = key }));
        }

        lock (_gate)
        {
            if (_key is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(_key)))
            {
                return ValueTask.FromResult(ApiReply.Fail("Shutdown key provided is invalid"));
            }

            _key = null;
        }

        session.ShutdownRequested = true;
        return ValueTask.FromResult(ApiReply.Ok("Server is shutting down"));
    }
}
