using System.Security.Cryptography;

namespace Ots.Crypto;

/// <summary>
/// The OS CSPRNG, drawn in blocks: each thread fills a private block with one <see cref="RandomNumberGenerator.Fill"/>
/// call and hands its bytes out once each, wiping every byte as it goes.
/// </summary>
/// <remarks>
/// <para>
/// Why: on Linux a <see cref="RandomNumberGenerator.Fill"/> call costs about 2 µs whatever its size (OpenSSL checks
/// <c>getpid</c> for a fork and takes its lock on every call), and a generate draws twice (the key, then the nonce).
/// One <see cref="BlockLength"/>-byte block serves about twenty generates for the price of one call.
/// </para>
/// <para>
/// Why it is as good as calling the CSPRNG each time: the bytes are the CSPRNG's own, in order; a block belongs to
/// one thread and each byte is handed out once, so no two keys or nonces share a byte; handed-out bytes are zeroed
/// at once, so the block never holds a key that was already issued (only bytes not yet drawn, which are no more
/// secret than the keys they will become). The fork check OpenSSL pays for guards a child process that keeps
/// running after <c>fork</c> with a copy of the parent's state; .NET never does that (<c>Process.Start</c> execs
/// at once), and a block lives in managed memory no child ever runs.
/// </para>
/// </remarks>
internal static class RandomBytes
{
    /// <summary>Size of a thread's block; draws larger than a quarter of it go to the CSPRNG directly.</summary>
    internal const int BlockLength = 1024;

    [ThreadStatic]
    private static byte[]? t_block;

    // Offset in t_block of the first byte not yet handed out (meaningless while t_block is null).
    [ThreadStatic]
    private static int t_next;

    /// <summary>Fills <paramref name="destination"/> with bytes from the OS CSPRNG that no other call receives.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BlockLength / 4)
        {
            // Not on any request path (keys and nonces are tens of bytes); keeps a big draw from draining the block.
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var block = t_block;
        var next = t_next;
        if (block is null)
        {
            block = t_block = new byte[BlockLength];
            next = BlockLength;
        }

        if (BlockLength - next < destination.Length)
        {
            // The remainder is overwritten, never handed out: each byte still leaves the block at most once.
            RandomNumberGenerator.Fill(block);
            next = 0;
        }

        var drawn = block.AsSpan(next, destination.Length);
        drawn.CopyTo(destination);
        CryptographicOperations.ZeroMemory(drawn);
        t_next = next + destination.Length;
    }

    /// <summary>The calling thread's block as it is now, for tests that check handed-out bytes are wiped.</summary>
    internal static ReadOnlySpan<byte> CurrentBlock(out int next)
    {
        next = t_next;
        return t_block;
    }
}
