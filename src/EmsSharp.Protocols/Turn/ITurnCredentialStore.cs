namespace EmsSharp.Protocols.Turn;

/// <summary>
/// The long-term credential seam (RFC 8489 §9.2): the password of a username, or null when the
/// username is unknown, expired or no longer bound to anything live (the request then gets 401).
/// </summary>
public interface ITurnCredentialStore
{
    /// <summary>The password for <paramref name="username"/>, or null to refuse it.</summary>
    string? GetPassword(string username);
}
