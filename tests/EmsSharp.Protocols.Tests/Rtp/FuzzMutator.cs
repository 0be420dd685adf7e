namespace EmsSharp.Protocols.Tests.Rtp;

/// <summary>Seeded mutations of a seed corpus (bit flips, byte sets, truncation, extension, splices), replayable by seed.</summary>
internal static class FuzzMutator
{
    public static byte[] Mutate(Random random, IReadOnlyList<byte[]> corpus)
    {
        var input = corpus[random.Next(corpus.Count)].ToList();
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0 when input.Count > 0:
                    input[random.Next(input.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when input.Count > 0:
                    input[random.Next(input.Count)] = (byte)random.Next(256);
                    break;
                case 2 when input.Count > 0:
                    input.RemoveRange(random.Next(input.Count), 1); // drop one byte, then truncate
                    input = input.Take(random.Next(input.Count + 1)).ToList();
                    break;
                case 3:
                    for (int i = random.Next(1, 16); i > 0; i--)
                    {
                        input.Insert(random.Next(input.Count + 1), (byte)random.Next(256));
                    }
                    break;
                case 4:
                    var other = corpus[random.Next(corpus.Count)];
                    input.AddRange(other.Skip(random.Next(other.Length + 1)));
                    break;
                default:
                    if (input.Count > 3)
                    {
                        // Lengths and counts live in the first bytes: hit them harder.
                        input[random.Next(4)] = (byte)random.Next(256);
                    }
                    break;
            }
        }
        return [.. input];
    }
}
