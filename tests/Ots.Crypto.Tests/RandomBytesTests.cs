using CsCheck;

namespace Ots.Crypto.Tests;

public class RandomBytesTests
{
    [Fact]
    public void Draws_never_repeat_across_many_block_refills()
    {
        // 10,000 draws of 16 bytes cross the block end ~150 times; a byte handed out twice would repeat a draw.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var draw = new byte[16];
        for (int i = 0; i < 10_000; i++)
        {
            RandomBytes.Fill(draw);
            Assert.True(seen.Add(Convert.ToHexString(draw)), $"draw {i} repeated an earlier one");
        }
    }

    [Fact]
    public void Bytes_handed_out_are_wiped_from_the_block_and_the_rest_is_random()
    {
        var draw = new byte[SecretKey.RawLength];
        RandomBytes.Fill(draw);

        var block = RandomBytes.CurrentBlock(out int next).ToArray();
        Assert.Equal(RandomBytes.BlockLength, block.Length);
        Assert.InRange(next, draw.Length, RandomBytes.BlockLength);
        Assert.All(block[..next], b => Assert.Equal(0, b));
        Assert.Contains(block[next..], b => b != 0);
        Assert.Contains(draw, b => b != 0);
    }

    [Fact]
    public void A_draw_longer_than_what_is_left_refills_the_block_and_wipes_it_as_it_goes()
    {
        var draw = new byte[48];
        do
        {
            RandomBytes.Fill(draw);
        }
        while (GetNext() > RandomBytes.BlockLength - 10);

        int next = GetNext();
        var filler = new byte[RandomBytes.BlockLength - next - 10];
        if (filler.Length > 0)
        {
            // Draw in pieces small enough to come from the block, to leave exactly 10 bytes.
            for (int offset = 0; offset < filler.Length; offset += 200)
            {
                RandomBytes.Fill(filler.AsSpan(offset, Math.Min(200, filler.Length - offset)));
            }
        }

        Assert.Equal(RandomBytes.BlockLength - 10, GetNext());
        RandomBytes.Fill(draw);

        var block = RandomBytes.CurrentBlock(out next).ToArray();
        Assert.Equal(draw.Length, next);
        Assert.All(block[..next], b => Assert.Equal(0, b));
        Assert.Contains(draw, b => b != 0);
    }

    [Fact]
    public void A_draw_larger_than_a_quarter_block_goes_to_the_CSPRNG_and_leaves_the_block_alone()
    {
        RandomBytes.Fill(new byte[8]);
        var before = RandomBytes.CurrentBlock(out int nextBefore).ToArray();

        var large = new byte[(RandomBytes.BlockLength / 4) + 1];
        RandomBytes.Fill(large);

        var after = RandomBytes.CurrentBlock(out int nextAfter).ToArray();
        Assert.Equal(nextBefore, nextAfter);
        Assert.Equal(before, after);
        Assert.Contains(large, b => b != 0);
    }

    [Fact]
    public void An_empty_draw_takes_nothing()
    {
        RandomBytes.Fill(new byte[8]);
        RandomBytes.CurrentBlock(out int before);
        RandomBytes.Fill([]);
        Assert.Equal(before, GetNext());
    }

    [Fact]
    public void Threads_draw_from_their_own_blocks_and_never_share_a_byte()
    {
        const int Threads = 4;
        const int DrawsPerThread = 2_000;
        var draws = new string[Threads][];
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var mine = new string[DrawsPerThread];
            var draw = new byte[12];
            for (int i = 0; i < DrawsPerThread; i++)
            {
                RandomBytes.Fill(draw);
                mine[i] = Convert.ToHexString(draw);
            }

            draws[t] = mine;
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        var all = draws.SelectMany(d => d).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Any_sequence_of_draw_lengths_leaves_no_handed_out_byte_in_the_block()
    {
        Gen.Int[0, RandomBytes.BlockLength / 4].Array[1, 40].Sample(lengths =>
        {
            foreach (var length in lengths)
            {
                var draw = new byte[length];
                RandomBytes.Fill(draw);
                var block = RandomBytes.CurrentBlock(out int next);
                if (!block.IsEmpty && block[..next].ContainsAnyExcept((byte)0))
                {
                    return false;
                }

                if (length >= 8 && !draw.AsSpan().ContainsAnyExcept((byte)0))
                {
                    // 64 zero bits in a row from a CSPRNG: 2^-64.
                    return false;
                }
            }

            return true;
        });
    }

    private static int GetNext()
    {
        RandomBytes.CurrentBlock(out int next);
        return next;
    }
}
