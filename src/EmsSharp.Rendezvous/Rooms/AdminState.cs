using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// What the admin API changes at run time, as saved to the state file: the allowed rooms, the EMS tokens,
/// the viewer tokens with their use, and whether rooms and the EMS role were ever restricted (an emptied
/// list stays closed, it does not fall back to "any").
/// </summary>
internal sealed record AdminState
{
    public List<string> AllowedRooms { get; init; } = [];

    /// <summary>True once an allowed list was configured or a room added: an empty list then allows no room.</summary>
    public bool RoomsRestricted { get; init; }

    public List<EmsTokenOptions> EmsTokens { get; init; } = [];

    /// <summary>True once any token was configured: the EMS role then needs an EMS token even if the list is empty.</summary>
    public bool EmsTokenRequired { get; init; }

    public List<ViewerTokenState> Tokens { get; init; } = [];

    /// <summary>The state a configuration starts with when there is no state file.</summary>
    public static AdminState FromOptions(ErsOptions options) => new()
    {
        AllowedRooms = [.. options.AllowedRooms],
        RoomsRestricted = options.AllowedRooms.Count > 0,
        EmsTokens = [.. options.EmsTokens],
        EmsTokenRequired = RequiresEmsToken(options),
        Tokens = options.Tokens.ConvertAll(t => new ViewerTokenState(t, null, null)),
    };

    /// <summary>
    /// The EMS role needs a token whenever any token is configured: EMS tokens, or viewer tokens
    /// (<c>tokensEnabled</c>); only an ERS with no token at all keeps EvoStream's open rooms.
    /// </summary>
    public static bool RequiresEmsToken(ErsOptions options) => options.EmsTokens.Count > 0 || options.Server.TokensEnabled;
}

/// <summary>A saved viewer token: who used it first and when (PROTOCOL.md §2.2).</summary>
internal sealed record ViewerTokenState(string Token, string? UsedBy, DateTimeOffset? FirstUse);
