namespace EmsSharp.Server.Security;

/// <summary>What <see cref="StreamKeys.Check"/> found for one request; each protocol words and answers it its own way.</summary>
internal enum KeyCheck
{
    /// <summary>No keys are configured (open, EvoStream's behaviour) or the key given is the name's.</summary>
    Admitted,

    /// <summary>Keys are configured, but none for this name and no <c>*</c>: nobody may use the name.</summary>
    NoKeyForName,

    /// <summary>The name has a key and the request named none.</summary>
    KeyMissing,

    /// <summary>The name has a key and the request named another one.</summary>
    WrongKey,
}
