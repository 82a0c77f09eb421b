using System.Security.Cryptography;

namespace Ots.Crypto.Tests;

/// <summary>
/// HKDF-SHA256 written out from RFC 5869 §2 with HMAC-SHA256 alone, as an oracle independent of
/// <see cref="HKDF"/>. Pinned itself to the RFC's test vectors in <see cref="KeyDerivationTests"/>.
/// </summary>
internal static class ReferenceHkdf
{
    private const int HashLength = 32;

    public static byte[] Extract(byte[] salt, byte[] ikm)
    {
        // §2.2: "if not provided, [salt] is set to a string of HashLen zeros".
        byte[] key = salt.Length == 0 ? new byte[HashLength] : salt;
        return HMACSHA256.HashData(key, ikm);
    }

    public static byte[] Expand(byte[] prk, byte[] info, int length)
    {
        // §2.3: T(0) = empty; T(i) = HMAC(PRK, T(i-1) | info | i); OKM = first L octets of T(1) | T(2) | ...
        var okm = new byte[length];
        byte[] previous = [];
        int written = 0;
        for (byte i = 1; written < length; i++)
        {
            byte[] block = [.. previous, .. info, i];
            previous = HMACSHA256.HashData(prk, block);
            int take = Math.Min(HashLength, length - written);
            Array.Copy(previous, 0, okm, written, take);
            written += take;
        }

        return okm;
    }

    public static byte[] DeriveKey(byte[] ikm, byte[] salt, byte[] info, int length) =>
        Expand(Extract(salt, ikm), info, length);

    /// <summary>The Ots derivation spelled out from DESIGN §2, for comparison with <see cref="KeyDerivation.Derive"/>.</summary>
    public static byte[] OtsDerive(byte[] rawKey, byte[] phrase, byte[] pepper)
    {
        byte[] id = rawKey[..16];
        byte[] k = rawKey[16..];
        byte[] ikm = [.. k, .. phrase];
        byte[] info = [.. "ots/v1"u8, .. id];
        return DeriveKey(ikm, pepper, info, 48);
    }
}
