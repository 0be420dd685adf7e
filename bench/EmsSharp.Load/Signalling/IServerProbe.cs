namespace EmsSharp.Load.Signalling;

/// <summary>Samples the server process under load (a spawned <c>ers</c>); absent for a remote or in-process one.</summary>
internal interface IServerProbe
{
    ProcessSample Sample();
}
