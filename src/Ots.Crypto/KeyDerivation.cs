using System.Buffers;
using System.Security.Cryptography;

namespace Ots.Crypto;

/// <summary>
/// The one KDF call per request (DESIGN §2):
/// <c>HKDF-SHA256(ikm = k ‖ phrase, salt = pepper, info = "ots/v1" ‖ id)</c> expanded to
/// <see cref="OutputLength"/> bytes = a <see cref="AesKeyLength"/>-byte AES-256-GCM key ‖ a
/// <see cref="RecordTagLength"/>-byte record tag that names the record in the store.
/// </summary>
/// <remarks>
/// The phrase is deliberately not stretched (no PBKDF2/Argon2): the 128-bit <c>k</c> that the store never sees is
/// what stops offline guessing, and a slow KDF would cost two orders of magnitude of throughput. The AES key and the
/// record tag are separate slices of the HKDF output, so no key serves two primitives.
/// </remarks>
public static class KeyDerivation
{
    /// <summary>Length of the AES-256-GCM key at the start of the output.</summary>
    public const int AesKeyLength = 32;

    /// <summary>Length of the record tag that follows the AES key in the output.</summary>
    public const int RecordTagLength = 16;

    /// <summary>Length of the whole HKDF output: AES key ‖ record tag.</summary>
    public const int OutputLength = AesKeyLength + RecordTagLength;

    // Typical phrases are a few dozen bytes: keep those on the stack, and the stack frame small for the rest
    // (a phrase may be as large as the 128 KiB body limit).
    private const int MaxStackIkmLength = 256;

    // Domain separation and versioning: a change of derivation gets a new label, so old and new outputs never collide.
    private static ReadOnlySpan<byte> InfoLabel => "ots/v1"u8;

    /// <summary>Derives the AES key and the record tag of one secret.</summary>
    /// <param name="rawKey">The <see cref="SecretKey.RawLength"/> raw bytes of the secret key: id ‖ k.</param>
    /// <param name="phraseUtf8">The passphrase as UTF-8, possibly empty, any length.</param>
    /// <param name="pepper">The server pepper used as the HKDF salt; may be empty.</param>
    /// <param name="output">
    /// Exactly <see cref="OutputLength"/> bytes: receives the AES key, then the record tag. It holds key material:
    /// the caller clears it with <see cref="CryptographicOperations.ZeroMemory"/> after use.
    /// </param>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public static void Derive(ReadOnlySpan<byte> rawKey, ReadOnlySpan<byte> phraseUtf8, ReadOnlySpan<byte> pepper, Span<byte> output)
    {
        if (rawKey.Length != SecretKey.RawLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(rawKey), SecretKey.RawLength);
        }

        if (output.Length != OutputLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(output), OutputLength);
        }

        var id = rawKey[..SecretKey.IdLength];
        var k = rawKey[SecretKey.IdLength..];

        // The id goes into info rather than ikm: it is public (it names the store keys), and binding it there makes
        // every secret's keys independent even for equal k and phrase.
        Span<byte> info = stackalloc byte[InfoLabel.Length + SecretKey.IdLength];
        InfoLabel.CopyTo(info);
        id.CopyTo(info[InfoLabel.Length..]);

        // HKDF takes one contiguous ikm, so k and the phrase are concatenated into a scratch buffer that is wiped after.
        int ikmLength = SecretKey.KeyMaterialLength + phraseUtf8.Length;
        byte[]? rented = null;
        Span<byte> ikm = ikmLength <= MaxStackIkmLength
            ? stackalloc byte[MaxStackIkmLength]
            : (rented = ArrayPool<byte>.Shared.Rent(ikmLength));
        ikm = ikm[..ikmLength];
        try
        {
            k.CopyTo(ikm);
            phraseUtf8.CopyTo(ikm[SecretKey.KeyMaterialLength..]);

            // An empty salt is HashLen zero bytes (RFC 5869 §2.2), which is what an unset pepper means.
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, pepper, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
