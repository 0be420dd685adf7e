namespace EmsSharp.Media.H264;

/// <summary>
/// Reads bits, Exp-Golomb codes (ITU-T H.264 §9.1) and fixed-width fields from a NAL unit payload,
/// dropping emulation_prevention_three_byte (00 00 03 → 00 00, §7.4.1) on the fly so the caller sees
/// the RBSP. Reads past the end set <see cref="IsOverrun"/> and return zeros; callers check it once.
/// </summary>
internal ref struct RbspBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _bytePosition;
    private int _zeroRun;
    private int _current;
    private int _bitsLeft;

    public RbspBitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _bytePosition = 0;
        _zeroRun = 0;
        _current = 0;
        _bitsLeft = 0;
        IsOverrun = false;
    }

    public bool IsOverrun { get; private set; }

    public bool HasMoreData => _bitsLeft > 0 || _bytePosition < _data.Length;

    public uint ReadBit()
    {
        if (_bitsLeft == 0 && !LoadByte())
        {
            return 0;
        }

        _bitsLeft--;
        return (uint)(_current >> _bitsLeft) & 1;
    }

    public bool ReadFlag() => ReadBit() == 1;

    /// <summary>u(n) for n ≤ 32.</summary>
    public uint ReadBits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 1) | ReadBit();
        }

        return value;
    }

    /// <summary>ue(v), §9.1: leadingZeroBits, then that many bits; more than 31 zeros is malformed.</summary>
    public uint ReadUnsignedExpGolomb()
    {
        var leadingZeros = 0;
        while (ReadBit() == 0)
        {
            if (IsOverrun || ++leadingZeros > 31)
            {
                IsOverrun = true;
                return 0;
            }
        }

        return (uint)(((1UL << leadingZeros) - 1) + ReadBits(leadingZeros));
    }

    /// <summary>se(v), §9.1.1: codeNum k maps to (−1)^(k+1) · Ceil(k ÷ 2).</summary>
    public int ReadSignedExpGolomb()
    {
        var k = ReadUnsignedExpGolomb();
        var magnitude = (int)((k + 1) / 2);
        return (k & 1) == 1 ? magnitude : -magnitude;
    }

    private bool LoadByte()
    {
        if (_bytePosition < _data.Length && _zeroRun >= 2 && _data[_bytePosition] == 3)
        {
            // §7.4.1: emulation_prevention_three_byte is discarded.
            _bytePosition++;
            _zeroRun = 0;
        }

        if (_bytePosition >= _data.Length)
        {
            IsOverrun = true;
            return false;
        }

        _current = _data[_bytePosition++];
        _zeroRun = _current == 0 ? _zeroRun + 1 : 0;
        _bitsLeft = 8;
        return true;
    }
}
