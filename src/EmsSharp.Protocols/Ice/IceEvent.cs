using System.Net;

namespace EmsSharp.Protocols.Ice;

/// <summary>An event an <see cref="IceAgent"/> reports to its owner; a selection names the pair's local base.</summary>
public readonly record struct IceEvent(IceEventKind Kind, IceCandidate? Candidate, IPEndPoint? RemoteEndPoint, int Base = 0);
