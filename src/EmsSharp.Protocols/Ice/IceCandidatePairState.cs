namespace EmsSharp.Protocols.Ice;

/// <summary>Candidate pair states (RFC 8445 §6.1.2.6); the frozen state is not needed for one component.</summary>
internal enum IceCandidatePairState
{
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}
