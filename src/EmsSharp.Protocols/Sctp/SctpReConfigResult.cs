namespace EmsSharp.Protocols.Sctp;

/// <summary>Re-configuration Response results, RFC 6525 §4.4.</summary>
internal enum SctpReConfigResult : uint
{
    SuccessNothingToDo = 0,
    SuccessPerformed = 1,
    Denied = 2,
    ErrorWrongSsn = 3,
    ErrorRequestAlreadyInProgress = 4,
    ErrorBadSequenceNumber = 5,
    InProgress = 6,
}
