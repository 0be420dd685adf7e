namespace EmsSharp.WebRtc;

/// <summary>A TURN relay could not be had; the message says why in plain words.</summary>
public sealed class TurnRelayException : Exception
{
    /// <summary>Creates one.</summary>
    public TurnRelayException()
    {
    }

    /// <summary>Creates one with its reason.</summary>
    public TurnRelayException(string message)
        : base(message)
    {
    }

    /// <summary>Creates one with its reason and cause.</summary>
    public TurnRelayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
