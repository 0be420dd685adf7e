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
    private const int MaxPairs = 128;

    private readonly List<IceCandidatePair> _pairs = [];
    private readonly List<(int Id, uint Priority, bool PairsWithSignalled)> _bases = [];
    private readonly List<IceCandidate> _localCandidates = [];
    private readonly List<(IceCandidate Candidate, IPEndPoint EndPoint)> _signalled = [];
    private readonly List<(byte[] Id, TimeSpan Expires)> _consentTransactions = [];
    private readonly Queue<IceTransmit> _transmits = new();
    private readonly Queue<IceEvent> _events = new();
    private readonly ulong _tieBreaker;
    private readonly Random _random;

    private byte[] _localKey;
    private byte[]? _remoteKey;
    private IceCandidatePair? _selected;

    // During an ICE restart, the pair selected before it: media and consent stay on it until the restart selects a pair
    // (RFC 8445 §9).
    private IceCandidatePair? _previous;
    private IceCandidatePair? _nominating;
    private TimeSpan? _firstValidAt;
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
        _bases.Add((0, IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1), true));
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

    /// <summary>The selected pair's remote address, once connected (during a restart, the pair selected before it).</summary>
    public IPEndPoint? SelectedRemoteEndPoint => MediaPair?.RemoteEndPoint;

    /// <summary>The selected pair's local base, once connected (during a restart, the pair selected before it).</summary>
    public int? SelectedBase => MediaPair?.Base;

    /// <summary>The selected pair's remote candidate, once connected (during a restart, the pair selected before it).</summary>
    public IceCandidate? SelectedRemoteCandidate => MediaPair?.Remote;

    /// <summary>Local candidates to signal (host and server-reflexive ones, supplied by the driver).</summary>
    public IReadOnlyList<IceCandidate> LocalCandidates => _localCandidates;

    /// <summary>Ta: pacing between ordinary checks (RFC 8445 §14.2).</summary>
    public TimeSpan CheckPacing { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Initial retransmission timeout of a check or STUN request (RFC 8489 §6.2.1).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the controlling agent, after its first valid pair, waits for better pairs still being checked before
    /// it nominates (RFC 8445 §8.1.1).
    /// </summary>
    public TimeSpan NominationWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Base interval of consent checks (RFC 7675 §5.1: 5 s, jittered ±20 %).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consent expires after this long without a response (RFC 7675 §5.1).</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Optional filter on remote addresses: candidates and checks from addresses it rejects are ignored
    /// (e.g. loopback only in tests).
    /// </summary>
    public Func<IPAddress, bool>? RemoteAddressFilter { get; init; }

    /// <summary>
    /// The ICE transport policy "relay" (W3C webrtc-pc §4.2.1 <c>iceTransportPolicy</c>, RFC 8445 §5.1.1): only relayed
    /// candidates are signalled, and the shared socket (base 0) neither pairs with signalled candidates nor answers or
    /// learns peer-reflexive ones from the checks that reach it, so every check and packet goes through relay bases.
    /// </summary>
    public bool RelayOnly { get; init; }

    /// <summary>Earliest time at which <see cref="HandleTimeout"/> has work, or null.</summary>
    public TimeSpan? NextTimeout => ComputeNextTimeout();

    // Where media and consent checks go: the selected pair, or during a restart the pair selected before it.
    private IceCandidatePair? MediaPair => _selected ?? _previous;

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
    /// <returns>False when <see cref="RelayOnly"/> keeps a candidate that is not relayed from being signalled.</returns>
    public bool AddLocalCandidate(IceCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (RelayOnly && candidate.Type != IceCandidateType.Relayed)
        {
            return false;
        }

        _localCandidates.Add(candidate);
        return true;
    }

    /// <summary>
    /// Whether what arrives on <paramref name="localBase"/> belongs to this agent: every base but the shared socket (0)
    /// under <see cref="RelayOnly"/>.
    /// </summary>
    public bool UsesBase(int localBase) => localBase != 0 || !RelayOnly;

    /// <summary>
    /// Adds a local base beside the shared socket (0): a TURN allocation (<paramref name="pairsWithSignalled"/>, so
    /// every signalled remote candidate is also checked through it) or an ICE-TCP connection (pairs only from the
    /// checks that arrive on it, RFC 6544 §5). <paramref name="priority"/> is its local candidate's priority.
    /// </summary>
    public void AddBase(int id, uint priority, bool pairsWithSignalled, TimeSpan now)
    {
        if (id == 0 || _bases.Exists(b => b.Id == id))
        {
            throw new ArgumentException("Base ids are unique and 0 is the shared socket.", nameof(id));
        }

        _bases.Add((id, priority, pairsWithSignalled));
        if (!pairsWithSignalled)
        {
            return;
        }

        foreach (var (candidate, endPoint) in _signalled)
        {
            TryAddPair(id, candidate, endPoint);
        }

        HandleTimeout(now);
    }

    /// <summary>
    /// A base is gone (its TCP connection closed, its allocation failed): its pairs fail, and so does the session when
    /// its selected pair was one of them (RFC 7675 §5.1 would only notice 30 s later).
    /// </summary>
    public void RemoveBase(int id)
    {
        if (id == 0 || _bases.RemoveAll(b => b.Id == id) == 0)
        {
            return;
        }

        var selectedGone = _selected?.Base == id;
        _pairs.RemoveAll(p => p.Base == id);
        if (_nominating?.Base == id)
        {
            _nominating = null;
        }

        if (_previous?.Base == id)
        {
            _previous = null; // the restart goes on; media waits for the pair it selects
        }

        if (selectedGone && State == IceAgentState.Connected)
        {
            Fail();
        }
    }

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
    /// Adds a remote candidate (from SDP or trickled). mDNS (<c>.local</c>) and other unresolvable addresses, and TCP
    /// candidates, are ignored: the peer's checks reveal its real address as a peer-reflexive candidate.
    /// </summary>
    /// <returns>True when a pair was added.</returns>
    public bool AddRemoteCandidate(IceCandidate candidate, TimeSpan now)
    {
        // We never open TCP connections: a browser's ICE-TCP candidates are active ones (RFC 6544 §4.5) that connect to
        // our passive candidate, and their checks make peer-reflexive pairs on that connection's base.
        var endPoint = candidate.EndPoint;
        if (endPoint is null || candidate.IsTcp || candidate.Component != 1 ||
            RemoteAddressFilter?.Invoke(endPoint.Address) == false || State is IceAgentState.Closed)
        {
            return false;
        }

        if (_signalled.Count < MaxPairs && !_signalled.Exists(s => s.EndPoint.Equals(endPoint)))
        {
            _signalled.Add((candidate, endPoint));
        }

        var added = false;
        foreach (var b in _bases)
        {
            if (!b.PairsWithSignalled || !UsesBase(b.Id))
            {
                continue;
            }

            if (FindPair(b.Id, endPoint) is { } known)
            {
                // RFC 8838 §11: a signalled candidate that matches a peer-reflexive one replaces it.
                if (known.Remote.Type == IceCandidateType.PeerReflexive)
                {
                    known.Remote = candidate;
                    known.Priority = PairPriority(b.Priority, candidate.Priority);
                }

                continue;
            }

            added |= TryAddPair(b.Id, candidate, endPoint);
        }

        if (!added)
        {
            return false;
        }

        if (State is IceAgentState.New or IceAgentState.Failed)
        {
            State = IceAgentState.Checking;
        }

        HandleTimeout(now);
        return true;
    }

    /// <summary>Offers a datagram to the agent.</summary>
    /// <returns>True when it was a STUN message (handled or dropped), false when it is not STUN.</returns>
    /// <param name="datagram">The datagram.</param>
    /// <param name="from">Its source.</param>
    /// <param name="now">The driver's clock.</param>
    /// <param name="localBase">The base it arrived on (0 = the shared UDP socket).</param>
    public bool HandleStun(ReadOnlySpan<byte> datagram, IPEndPoint from, TimeSpan now, int localBase = 0)
    {
        if (!StunMessage.TryRead(datagram, out var msg, out _))
        {
            return false;
        }

        if (State != IceAgentState.Closed && UsesBase(localBase) && StunMessage.VerifyFingerprint(datagram, msg!) &&
            msg!.Method == StunMessage.BindingMethod)
        {
            switch (msg.Class)
            {
                case StunClass.Request:
                    HandleRequest(datagram, msg, from, localBase, now);
                    break;
                case StunClass.SuccessResponse:
                case StunClass.ErrorResponse:
                    HandleResponse(datagram, msg, from, localBase, now);
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
                RunNomination(now);
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

    /// <summary>
    /// ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): new local credentials, and the peer's credentials, candidates
    /// and the check list forgotten until <see cref="SetRemoteCredentials"/> and <see cref="AddRemoteCandidate"/> give
    /// the new ones, with which the local candidates and bases are paired again. The role stays. The pair selected so
    /// far keeps carrying media (<see cref="SelectedRemoteEndPoint"/>) and consent checks until the restart selects a
    /// pair; checks that name the old local ufrag are no longer answered.
    /// </summary>
    /// <exception cref="InvalidOperationException">The agent is closed.</exception>
    public void Restart()
    {
        if (State == IceAgentState.Closed)
        {
            throw new InvalidOperationException("A closed agent does not restart.");
        }

        (LocalUfrag, LocalPassword) = NewCredentials();
        _localKey = Encoding.UTF8.GetBytes(LocalPassword);
        RemoteUfrag = null;
        _remoteKey = null;
        _previous = MediaPair;
        _pairs.Clear();
        _signalled.Clear();
        _consentTransactions.Clear(); // their responses would be checked against the peer's old password
        _selected = null;
        _nominating = null;
        _firstValidAt = null;
        State = _previous is null ? IceAgentState.New : IceAgentState.Checking;
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

    private IceCandidatePair? FindPair(int localBase, IPEndPoint endPoint)
    {
        foreach (var p in _pairs)
        {
            if (p.Base == localBase && p.RemoteEndPoint.Equals(endPoint))
            {
                return p;
            }
        }

        return null;
    }

    private bool TryAddPair(int localBase, IceCandidate remote, IPEndPoint endPoint)
    {
        if (_pairs.Count >= MaxPairs)
        {
            return false;
        }

        _pairs.Add(new IceCandidatePair(localBase, remote, endPoint, PairPriority(BasePriority(localBase), remote.Priority)));
        return true;
    }

    private uint BasePriority(int localBase)
    {
        foreach (var b in _bases)
        {
            if (b.Id == localBase)
            {
                return b.Priority;
            }
        }

        return 0;
    }

    private ulong PairPriority(uint localPriority, uint remotePriority)
    {
        // RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G = controlling side's priority.
        var g = Role == IceRole.Controlling ? localPriority : remotePriority;
        var d = Role == IceRole.Controlling ? remotePriority : localPriority;
        return ((ulong)Math.Min(g, d) << 32) + (2 * (ulong)Math.Max(g, d)) + (g > d ? 1UL : 0UL);
    }

    private void Select(IceCandidatePair pair, TimeSpan now)
    {
        if (ReferenceEquals(_selected, pair))
        {
            return;
        }

        _selected = pair;
        _previous = null;
        _nominating = null;
        State = IceAgentState.Connected;
        _lastConsent = now;
        _nextConsent = now + JitteredConsentInterval();
        _events.Enqueue(new IceEvent(IceEventKind.Connected, pair.Remote, pair.RemoteEndPoint, pair.Base));
    }

    private void Fail()
    {
        State = IceAgentState.Failed;
        _selected = null;
        _previous = null;
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

        if (Role == IceRole.Controlling && _selected is null && _nominating is null && _firstValidAt is { } firstValid)
        {
            Min(firstValid + NominationWait);
        }

        if (MediaPair is not null)
        {
            if (_remoteKey is not null)
            {
                Min(_nextConsent);
            }

            Min(_lastConsent + ConsentTimeout);
        }

        return next;
    }
}
