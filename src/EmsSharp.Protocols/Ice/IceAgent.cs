using System.Net;
using System.Security.Cryptography;
using System.Text;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Ice;

/// <summary>
/// A sans-IO ICE agent for one component (RTP/RTCP/DTLS multiplexed, RFC 8445 with trickle RFC 8838 and
/// consent freshness RFC 7675). The owner feeds datagrams and time, sends what
/// <see cref="TryPollTransmit"/> yields, and reacts to <see cref="TryPollEvent"/>.
/// </summary>
public sealed partial class IceAgent
{
    private const int MaxRemoteCandidates = 64;

    private readonly List<IceCandidatePair> _pairs = [];
    private readonly List<IceCandidate> _localCandidates = [];
    private readonly List<(byte[] Id, TimeSpan Expires)> _consentTransactions = [];
    private readonly Queue<IceTransmit> _transmits = new();
    private readonly Queue<IceEvent> _events = new();
    private readonly ulong _tieBreaker;
    private readonly Random _random;

    private byte[] _localKey;
    private byte[]? _remoteKey;
    private IceCandidatePair? _selected;
    private IceCandidatePair? _nominating;
    private TimeSpan _nextCheck;
    private TimeSpan _lastConsent;
    private TimeSpan _nextConsent;

    /// <summary>Creates an agent with fresh random credentials.</summary>
    /// <param name="role">Controlling for the offerer.</param>
    /// <param name="tieBreaker">Role-conflict tie-breaker (RFC 8445 §7.3.1.1); random when null.</param>
    /// <param name="random">Source of consent jitter; <see cref="Random.Shared"/> when null.</param>
    public IceAgent(IceRole role, ulong? tieBreaker = null, Random? random = null)
    {
        Role = role;
        _tieBreaker = tieBreaker ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _random = random ?? Random.Shared;
        (LocalUfrag, LocalPassword) = NewCredentials();
        _localKey = Encoding.UTF8.GetBytes(LocalPassword);
    }

    /// <summary>Current role; may change on a role conflict.</summary>
    public IceRole Role { get; private set; }

    /// <summary>Overall state.</summary>
    public IceAgentState State { get; private set; } = IceAgentState.New;

    /// <summary>Local username fragment (<c>a=ice-ufrag</c>).</summary>
    public string LocalUfrag { get; private set; }

    /// <summary>Local password (<c>a=ice-pwd</c>).</summary>
    public string LocalPassword { get; private set; }

    /// <summary>Remote username fragment, once known.</summary>
    public string? RemoteUfrag { get; private set; }

    /// <summary>The selected pair's remote address, once connected.</summary>
    public IPEndPoint? SelectedRemoteEndPoint => _selected?.RemoteEndPoint;

    /// <summary>The selected pair's remote candidate, once connected.</summary>
    public IceCandidate? SelectedRemoteCandidate => _selected?.Remote;

    /// <summary>Local candidates to signal (host and server-reflexive ones, supplied by the driver).</summary>
    public IReadOnlyList<IceCandidate> LocalCandidates => _localCandidates;

    /// <summary>Ta: pacing between ordinary checks (RFC 8445 §14.2).</summary>
    public TimeSpan CheckPacing { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Initial retransmission timeout of a check or STUN request (RFC 8489 §6.2.1).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Base interval of consent checks (RFC 7675 §5.1: 5 s, jittered ±20 %).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consent expires after this long without a response (RFC 7675 §5.1).</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Optional filter on remote addresses: candidates and checks from addresses it rejects are ignored
    /// (e.g. loopback only in tests).
    /// </summary>
    public Func<IPAddress, bool>? RemoteAddressFilter { get; init; }

    /// <summary>Earliest time at which <see cref="HandleTimeout"/> has work, or null.</summary>
    public TimeSpan? NextTimeout => ComputeNextTimeout();

    /// <summary>
    /// Reads the local ufrag a request is addressed to (USERNAME = <c>local:remote</c>, RFC 8445 §7.2.2),
    /// used by a shared-port driver to find the session on first contact.
    /// </summary>
    public static bool TryGetRequestUfrag(ReadOnlySpan<byte> datagram, out string ufrag)
    {
        ufrag = string.Empty;
        if (!StunMessage.TryRead(datagram, out var msg, out _) || msg!.Class != StunClass.Request)
        {
            return false;
        }

        var username = msg.GetUsername();
        var colon = username?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        ufrag = username![..colon];
        return true;
    }

    /// <summary>Sets the role before checks start (the answerer of a browser's offer is controlled).</summary>
    public void SetRole(IceRole role)
    {
        if (State != IceAgentState.New)
        {
            throw new InvalidOperationException("The role is fixed once checks started; conflicts repair it.");
        }

        SwitchRole(role);
    }

    /// <summary>
    /// Adds a local candidate (host, or server-reflexive as the driver discovered it for the shared socket) so it
    /// can be signalled. Every local candidate shares the one socket, so pairs need no local side.
    /// </summary>
    public void AddLocalCandidate(IceCandidate candidate) => _localCandidates.Add(candidate);

    /// <summary>Sets the peer's <c>a=ice-ufrag</c>/<c>a=ice-pwd</c>; checks may start.</summary>
    public void SetRemoteCredentials(string ufrag, string password, TimeSpan now)
    {
        RemoteUfrag = ufrag;
        _remoteKey = Encoding.UTF8.GetBytes(password);
        if (State == IceAgentState.New)
        {
            State = IceAgentState.Checking;
        }

        HandleTimeout(now);
    }

    /// <summary>
    /// Adds a remote candidate (from SDP or trickled). mDNS (<c>.local</c>) and other unresolvable addresses are
    /// ignored: the peer's checks reveal its real address as a peer-reflexive candidate.
    /// </summary>
    /// <returns>True when a pair was added.</returns>
    public bool AddRemoteCandidate(IceCandidate candidate, TimeSpan now)
    {
        var endPoint = candidate.EndPoint;
        if (endPoint is null || candidate.Component != 1 || RemoteAddressFilter?.Invoke(endPoint.Address) == false ||
            _pairs.Count >= MaxRemoteCandidates || State is IceAgentState.Closed)
        {
            return false;
        }

        if (FindPair(endPoint) is { } known)
        {
            // RFC 8838 §11: a signalled candidate that matches a peer-reflexive one replaces it.
            if (known.Remote.Type == IceCandidateType.PeerReflexive)
            {
                known.Remote = candidate;
                known.Priority = PairPriority(candidate.Priority);
            }

            return false;
        }

        _pairs.Add(new IceCandidatePair(candidate, endPoint, PairPriority(candidate.Priority)));
        if (State is IceAgentState.New or IceAgentState.Failed)
        {
            State = IceAgentState.Checking;
        }

        HandleTimeout(now);
        return true;
    }

    /// <summary>Offers a datagram to the agent.</summary>
    /// <returns>True when it was a STUN message (handled or dropped), false when it is not STUN.</returns>
    public bool HandleStun(ReadOnlySpan<byte> datagram, IPEndPoint from, TimeSpan now)
    {
        if (!StunMessage.TryRead(datagram, out var msg, out _))
        {
            return false;
        }

        if (State != IceAgentState.Closed && StunMessage.VerifyFingerprint(datagram, msg!) &&
            msg!.Method == StunMessage.BindingMethod)
        {
            switch (msg.Class)
            {
                case StunClass.Request:
                    HandleRequest(datagram, msg, from, now);
                    break;
                case StunClass.SuccessResponse:
                case StunClass.ErrorResponse:
                    HandleResponse(datagram, msg, from, now);
                    break;
                case StunClass.Indication:
                    break;
                default:
                    throw new InvalidOperationException("Unknown STUN class.");
            }
        }

        HandleTimeout(now);
        return true;
    }

    /// <summary>Runs due retransmissions, paced checks and consent checks.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        switch (State)
        {
            case IceAgentState.New:
            case IceAgentState.Closed:
            case IceAgentState.Failed:
                return;
            case IceAgentState.Checking:
            case IceAgentState.Connected:
                RunPairTransactions(now);
                RunPacedCheck(now);
                RunConsent(now);
                CheckFailure();
                return;
            default:
                throw new InvalidOperationException("Unknown ICE state.");
        }
    }

    /// <summary>Takes the next datagram to send.</summary>
    public bool TryPollTransmit(out IceTransmit transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>Takes the next event.</summary>
    public bool TryPollEvent(out IceEvent iceEvent) => _events.TryDequeue(out iceEvent);

    /// <summary>ICE restart (RFC 8445 §9): new local credentials, remote state forgotten.</summary>
    public void Restart()
    {
        (LocalUfrag, LocalPassword) = NewCredentials();
        _localKey = Encoding.UTF8.GetBytes(LocalPassword);
        RemoteUfrag = null;
        _remoteKey = null;
        _pairs.Clear();
        _consentTransactions.Clear();
        _selected = null;
        _nominating = null;
        State = IceAgentState.New;
    }

    /// <summary>Stops all checks.</summary>
    public void Close()
    {
        State = IceAgentState.Closed;
        _pairs.Clear();
        _transmits.Clear();
    }

    private static (string Ufrag, string Password) NewCredentials()
    {
        // RFC 8839 §5.4: ufrag ≥ 24 bits and pwd ≥ 128 bits of randomness, ice-chars only.
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        return (RandomNumberGenerator.GetString(chars, 8), RandomNumberGenerator.GetString(chars, 24));
    }

    private IceCandidatePair? FindPair(IPEndPoint endPoint)
    {
        foreach (var p in _pairs)
        {
            if (p.RemoteEndPoint.Equals(endPoint))
            {
                return p;
            }
        }

        return null;
    }

    private ulong PairPriority(uint remotePriority)
    {
        // RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G = controlling side's priority.
        var local = (ulong)IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1);
        var g = Role == IceRole.Controlling ? local : remotePriority;
        var d = Role == IceRole.Controlling ? remotePriority : local;
        return (Math.Min(g, d) << 32) + (2 * Math.Max(g, d)) + (g > d ? 1UL : 0UL);
    }

    private void Select(IceCandidatePair pair, TimeSpan now)
    {
        if (ReferenceEquals(_selected, pair))
        {
            return;
        }

        _selected = pair;
        _nominating = null;
        State = IceAgentState.Connected;
        _lastConsent = now;
        _nextConsent = now + JitteredConsentInterval();
        _events.Enqueue(new IceEvent(IceEventKind.Connected, pair.Remote, pair.RemoteEndPoint));
    }

    private void Fail()
    {
        State = IceAgentState.Failed;
        _selected = null;
        _events.Enqueue(new IceEvent(IceEventKind.Failed, null, null));
    }

    private TimeSpan JitteredConsentInterval() =>
        // RFC 7675 §5.1: a random interval in [0.8, 1.2] × the base interval.
        ConsentInterval * (0.8 + (0.4 * _random.NextDouble()));

    private TimeSpan? ComputeNextTimeout()
    {
        TimeSpan? next = null;
        void Min(TimeSpan t) => next = next is null || t < next ? t : next;

        if (State is not (IceAgentState.Checking or IceAgentState.Connected))
        {
            return null;
        }

        foreach (var p in _pairs)
        {
            if (p.Transaction is not null)
            {
                Min(p.Transaction.NextTimeout);
            }
            else if (_remoteKey is not null && (p.Triggered || (_selected is null && p.State == IceCandidatePairState.Waiting)))
            {
                Min(_nextCheck);
            }
        }

        if (_selected is not null)
        {
            Min(_nextConsent);
            Min(_lastConsent + ConsentTimeout);
        }

        return next;
    }
}
