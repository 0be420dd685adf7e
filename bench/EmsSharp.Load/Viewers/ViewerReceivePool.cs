using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;
using static EmsSharp.Load.Viewers.LinuxReceiveCalls;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// A fixed number of receive threads for every viewer socket of a run, instead of a receive loop (and its thread-pool
/// hops) per viewer: each thread waits on its own <c>epoll</c> set of viewer sockets and reads a ready socket with
/// <c>recvmmsg(2)</c>, up to <see cref="Batch"/> datagrams per call, handing each to the socket on the same thread
/// (<see cref="ViewerSocket.Deliver"/>) with its kernel arrival time (<c>SO_TIMESTAMPNS</c>), so that the transit the
/// viewers measure does not include the wait for this thread. A socket belongs to one thread for its life, so a viewer's
/// receive state has one owner. The viewers' sessions run on the pool's own <see cref="SessionWorkerPool"/> (one worker
/// per core), as a port's do. Linux 64-bit only (<see cref="TryCreate"/>). Sockets are closed only after the threads
/// ended, so a descriptor is never reused while a thread may still read it.
/// <para>
/// With <see cref="UdpGro"/> each socket takes a GSO datagram whole and the thread cuts it into its segments. Over
/// loopback the receiving sockets' work runs inside the sender's send call: without it the kernel segments every GSO
/// datagram of the server (skb_segment) and queues each segment on the server's CPU time, work a receiver on another
/// host does on its own.
/// </para>
/// </summary>
internal sealed class ViewerReceivePool : IAsyncDisposable
{
    /// <summary>Datagrams one <c>recvmmsg</c> takes: a keyframe's packets to one viewer fit in one call.</summary>
    public const int Batch = 32;

    /// <summary>A read's buffer: a whole GSO datagram with <see cref="UdpGro"/> (at most 64 KiB), else one datagram.</summary>
    private const int MaxDatagram = 65536;
    private const int MaxEvents = 256;
    private const ulong WakeData = ulong.MaxValue;
    private static readonly double NanosecondsToTicks = Stopwatch.Frequency / 1e9;

    private readonly Worker[] _workers;
    private readonly ViewerSocket?[] _sockets;
    private readonly Socket _wake;
    private readonly int _receiveBufferBytes;
    private readonly bool _udpGro;
    private readonly SessionWorkerPool _sessionWorkers = new(0, TimeProvider.System, NullLogger.Instance);
    private int _opened;
    private int _stopped;
    private long _faults;

    private ViewerReceivePool(int threads, int capacity, int receiveBufferBytes, bool udpGro)
    {
        _receiveBufferBytes = receiveBufferBytes;
        _udpGro = udpGro;
        _sockets = new ViewerSocket?[capacity];
        _wake = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _wake.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _workers = new Worker[threads];
        for (int i = 0; i < threads; i++)
        {
            _workers[i] = new Worker(this, i);
        }
    }

    /// <summary>Receive threads.</summary>
    public int Threads => _workers.Length;

    /// <summary><c>recvmmsg</c> calls that returned datagrams.</summary>
    public long Calls => Sum(static w => Interlocked.Read(ref w.Calls));

    /// <summary>Datagrams read (a coalesced one counted as its segments).</summary>
    public long Datagrams => Sum(static w => Interlocked.Read(ref w.Datagrams));

    /// <summary>Reads that returned several datagrams coalesced (<see cref="UdpGro"/>), each counted once.</summary>
    public long Coalesced => Sum(static w => Interlocked.Read(ref w.Coalesced));

    /// <summary>Whether the sockets take GSO datagrams whole (<c>UDP_GRO</c>).</summary>
    public bool UdpGro => _udpGro;

    /// <summary>Datagrams whose handling threw (the thread goes on with the next one).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>
    /// A pool of <paramref name="threads"/> threads for at most <paramref name="capacity"/> sockets, each with a receive
    /// buffer of <paramref name="receiveBufferBytes"/> (0: the system's default) and <c>UDP_GRO</c> when
    /// <paramref name="udpGro"/>, or null (with the reason) where the calls are missing: not 64-bit Linux, or
    /// <c>epoll</c>/<c>recvmmsg</c>/<c>UDP_GRO</c> refused.
    /// </summary>
    public static unsafe ViewerReceivePool? TryCreate(int threads, int capacity, int receiveBufferBytes, bool udpGro, out string? unavailable)
    {
        unavailable = null;
        if (!LinuxSockets.IsSupportedPlatform)
        {
            unavailable = "not 64-bit Linux";
            return null;
        }

        ViewerReceivePool? pool = null;
        try
        {
            pool = new ViewerReceivePool(threads, capacity, receiveBufferBytes, udpGro);
            if (udpGro)
            {
                Span<byte> on = [1, 0, 0, 0];
                pool._wake.SetRawSocketOption(SolUdp, LinuxReceiveCalls.UdpGro, on); // Linux 5.0; throws where refused
            }

            // An empty queue answers EAGAIN where recvmmsg exists (ENOSYS where seccomp or the kernel lacks it).
            LinuxSockets.MMsgHdr probe = default;
            if (RecvMmsg((int)pool._wake.Handle, &probe, 1, LinuxSockets.MsgDontWait, null) < 0 && Marshal.GetLastPInvokeError() != LinuxSockets.Eagain)
            {
                unavailable = "recvmmsg: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or SocketException or IOException)
        {
            unavailable = e.Message;
        }

        if (unavailable is not null)
        {
            pool?.DisposeAsync().AsTask().GetAwaiter().GetResult(); // nothing started: no session, no thread to wait for
            return null;
        }

        pool!.Start();
        return pool;
    }

    /// <summary>A new viewer socket, bound as <paramref name="options"/> say and read by the next thread in turn.</summary>
    public ViewerSocket Open(UdpPortDriverOptions options)
    {
        int slot = Interlocked.Increment(ref _opened) - 1;
        if (slot >= _sockets.Length)
        {
            throw new InvalidOperationException($"The pool holds at most {_sockets.Length} sockets.");
        }

        var socket = new ViewerSocket(options, _receiveBufferBytes, _udpGro);
        Volatile.Write(ref _sockets[slot], socket); // before epoll can report it
        if (EpollAdd(_workers[slot % _workers.Length].Epoll, (int)socket.Socket.Handle, (ulong)slot) < 0)
        {
            throw new IOException("epoll_ctl: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }

        return socket;
    }

    /// <summary>A session on <paramref name="socket"/>, run by the pool's session worker with the fewest sessions.</summary>
    public PeerSession CreateSession(ViewerSocket socket, PeerSessionOptions options)
    {
        var session = new PeerSession(socket, _sessionWorkers.Next(), options, NullLogger.Instance);
        socket.Attach(session);
        return session;
    }

    /// <summary>
    /// Ends the threads (each finishes the datagram in hand); the sockets stay open, so sessions can still send their
    /// close_notify. Idempotent.
    /// </summary>
    public void StopReceiving()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // The wake socket is in every thread's set and never read: one datagram wakes them all for good.
        _wake.SendTo([0], _wake.LocalEndPoint!);
        foreach (Worker worker in _workers)
        {
            worker.Join();
        }
    }

    /// <summary>Stops receiving, ends the session workers (dispose the sessions first) and closes every socket.</summary>
    public async ValueTask DisposeAsync()
    {
        StopReceiving();
        await _sessionWorkers.DisposeAsync().ConfigureAwait(false);
        foreach (Worker worker in _workers)
        {
            worker.Dispose();
        }

        foreach (ViewerSocket? socket in _sockets)
        {
            socket?.Socket.Dispose();
        }

        _wake.Dispose();
    }

    private void Start()
    {
        foreach (Worker worker in _workers)
        {
            worker.Start();
        }
    }

    private long Sum(Func<Worker, long> value)
    {
        long total = 0;
        foreach (Worker worker in _workers)
        {
            total += value(worker);
        }

        return total;
    }

    /// <summary>One receive thread: its epoll set and its native message, address and datagram buffers.</summary>
    private sealed unsafe class Worker : IDisposable
    {
        public readonly int Epoll;
        public long Calls;
        public long Datagrams;
        public long Coalesced;

        private readonly ViewerReceivePool _pool;
        private readonly Thread _thread;
        private readonly byte* _events;
        private readonly LinuxSockets.MMsgHdr* _messages;
        private readonly LinuxSockets.IoVec* _vectors;
        private readonly byte* _names;
        private readonly byte* _controls;
        private readonly byte* _data;

        public Worker(ViewerReceivePool pool, int index)
        {
            _pool = pool;
            Epoll = EpollCreate1(EpollCloexec);
            if (Epoll < 0)
            {
                throw new IOException("epoll_create1: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
            }

            _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * EpollEventSize));
            _messages = (LinuxSockets.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(LinuxSockets.MMsgHdr)));
            _vectors = (LinuxSockets.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(LinuxSockets.IoVec)));
            _names = (byte*)NativeMemory.AllocZeroed(Batch * SockaddrInLength);
            _controls = (byte*)NativeMemory.AllocZeroed(Batch * ControlLength);
            _data = (byte*)NativeMemory.AllocZeroed(Batch * MaxDatagram);
            for (int i = 0; i < Batch; i++)
            {
                _vectors[i] = new LinuxSockets.IoVec { Base = _data + (i * MaxDatagram), Length = MaxDatagram };
                _messages[i].Header.Iov = _vectors + i;
                _messages[i].Header.IovLength = 1;
                _messages[i].Header.Name = _names + (i * SockaddrInLength);
                _messages[i].Header.Control = _controls + (i * ControlLength);
            }

            if (EpollAdd(Epoll, (int)pool._wake.Handle, WakeData) < 0)
            {
                throw new IOException("epoll_ctl: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
            }

            _thread = new Thread(Run) { IsBackground = true, Name = $"viewer-receive-{index}" };
        }

        public void Start() => _thread.Start();

        public void Join()
        {
            if (_thread.ThreadState != System.Threading.ThreadState.Unstarted)
            {
                _thread.Join();
            }
        }

        public void Dispose()
        {
            Close(Epoll);
            NativeMemory.Free(_events);
            NativeMemory.Free(_messages);
            NativeMemory.Free(_vectors);
            NativeMemory.Free(_names);
            NativeMemory.Free(_controls);
            NativeMemory.Free(_data);
        }

        private void Run()
        {
            while (true)
            {
                int ready = EpollWait(Epoll, _events, MaxEvents, -1);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == LinuxSockets.Eintr)
                    {
                        continue;
                    }

                    return; // the set is gone: nothing more to read
                }

                for (int i = 0; i < ready; i++)
                {
                    ulong data = EpollData(_events, i);
                    if (data == WakeData)
                    {
                        return;
                    }

                    if (Volatile.Read(ref _pool._sockets[(int)data]) is { } socket)
                    {
                        Drain(socket);
                    }
                }
            }
        }

        // Reads what the socket holds now, a batch at a time; what arrives meanwhile makes epoll report it again.
        private void Drain(ViewerSocket socket)
        {
            int fd = (int)socket.Socket.Handle;
            while (true)
            {
                for (int i = 0; i < Batch; i++)
                {
                    _messages[i].Header.NameLength = SockaddrInLength;
                    _messages[i].Header.ControlLength = ControlLength;
                    _messages[i].Header.Flags = 0;
                }

                int received = RecvMmsg(fd, _messages, Batch, LinuxSockets.MsgDontWait, null);
                if (received <= 0)
                {
                    return; // EAGAIN (drained), or an error the next readiness reports again
                }

                // Both clocks once per call: a datagram's kernel arrival (CLOCK_REALTIME) becomes its age, and its age a
                // Stopwatch timestamp on the clock the server's abs-send-time uses.
                long now = Stopwatch.GetTimestamp();
                long realNowNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
                Calls++;
                for (int i = 0; i < received; i++)
                {
                    if ((_messages[i].Header.Flags & MsgTrunc) != 0)
                    {
                        continue;
                    }

                    (long arrivedNs, int segmentSize) = ReadControl(new ReadOnlySpan<byte>(_controls + (i * ControlLength), (int)_messages[i].Header.ControlLength));
                    long receivedAt = arrivedNs < 0 ? now : now - (long)(Math.Max(0, realNowNs - arrivedNs) * NanosecondsToTicks);
                    var data = new ReadOnlySpan<byte>(_data + (i * MaxDatagram), (int)_messages[i].Length);
                    var name = new ReadOnlySpan<byte>(_names + (i * SockaddrInLength), (int)Math.Min(_messages[i].Header.NameLength, SockaddrInLength));

                    // udp(7) UDP_GRO: a coalesced datagram's segments are segmentSize bytes each, the last one possibly
                    // shorter; they share the arrival time and the sender.
                    if (segmentSize <= 0 || segmentSize >= data.Length)
                    {
                        Datagrams++;
                        Deliver(socket, data, name, receivedAt);
                        continue;
                    }

                    Coalesced++;
                    for (int at = 0; at < data.Length; at += segmentSize)
                    {
                        Datagrams++;
                        Deliver(socket, data.Slice(at, Math.Min(segmentSize, data.Length - at)), name, receivedAt);
                    }
                }

                if (received < Batch)
                {
                    return;
                }
            }
        }

        private void Deliver(ViewerSocket socket, ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> name, long receivedAt)
        {
            try
            {
                socket.Deliver(datagram, name, receivedAt);
            }
#pragma warning disable CA1031 // one viewer's fault must not end receiving for every viewer of the thread
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _pool._faults);
            }
        }
    }
}
