namespace EmsSharp.WebRtc;

/// <summary>What one session worker has done (counters since it started) and holds now.</summary>
/// <param name="Index">The worker's number in its port's pool.</param>
/// <param name="Sessions">Sessions it owns now.</param>
/// <param name="Inputs">Inputs handled: datagrams, commands, DTLS results, data channel sends, timer wake-ups.</param>
/// <param name="Turns">Turns of its loop (a turn handles up to 256 queued inputs, then the sessions they touched send).</param>
/// <param name="SessionWakeups">Sessions woken by its timer because a deadline (ICE, SCTP, answer, DTLS) was due.</param>
/// <param name="Queued">Inputs waiting now: a figure that stays high means the worker cannot keep up.</param>
public readonly record struct SessionWorkerStats(int Index, int Sessions, long Inputs, long Turns, long SessionWakeups, int Queued);
