namespace EmsSharp.Protocols.Sctp;

/// <summary>What we take from the parameters of an INIT or INIT ACK.</summary>
internal struct SctpInitParameters
{
    public byte[]? StateCookie;
    public bool ForwardTsnSupported;
    public bool ReConfigSupported;
}
