namespace EmsSharp.Protocols.Turn;

/// <summary>States of a <see cref="TurnClient"/>.</summary>
public enum TurnClientState
{
    /// <summary>Not started.</summary>
    New,

    /// <summary>Allocate sent, no relayed address yet.</summary>
    Allocating,

    /// <summary>The relay is allocated and refreshed.</summary>
    Allocated,

    /// <summary>The allocation failed or was lost.</summary>
    Failed,

    /// <summary>Closed by its owner.</summary>
    Closed,
}
