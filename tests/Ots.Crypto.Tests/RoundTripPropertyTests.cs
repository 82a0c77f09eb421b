using System.Security.Cryptography;
using CsCheck;

namespace Ots.Crypto.Tests;

/// <summary>The whole per-request flow of DESIGN §2: generate → derive → seal, then reveal → derive → open.</summary>
public class RoundTripPropertyTests
{
    [Fact]
    public void Derive_Seal_then_Derive_TryOpen_returns_the_secret_and_another_phrase_does_not()
    {
        // Phrases cross the 256-byte stack threshold of the KDF; the key is generated too, so failures shrink.
        Gen.Select(
            Gen.Byte.Array[SecretKey.RawLength],
            Gen.Byte.Array[0, 400],
            Gen.Byte.Array[0, 2000],
            Gen.Byte.Array[0, 40],
            Gen.Byte.Array[0, 400])
        .Sample((rawKey, phrase, secret, pepper, otherPhrase) =>
        {
            ReadOnlySpan<byte> id = rawKey.AsSpan(0, SecretKey.IdLength);

            Span<byte> sealKeys = stackalloc byte[KeyDerivation.OutputLength];
            KeyDerivation.Derive(rawKey, phrase, pepper, sealKeys);
            var record = new byte[SecretCipher.GetRecordLength(secret.Length)];
            SecretCipher.Seal(sealKeys[..KeyDerivation.AesKeyLength], id, secret, record);

            Span<byte> openKeys = stackalloc byte[KeyDerivation.OutputLength];
            KeyDerivation.Derive(rawKey, phrase, pepper, openKeys);
            var opened = new byte[SecretCipher.GetPlaintextLength(record.Length)];
            if (!openKeys.SequenceEqual(sealKeys)
                || !SecretCipher.TryOpen(openKeys[..KeyDerivation.AesKeyLength], id, record, opened)
                || !opened.AsSpan().SequenceEqual(secret))
            {
                return false;
            }

            if (otherPhrase.AsSpan().SequenceEqual(phrase))
            {
                return true;
            }

            Span<byte> otherKeys = stackalloc byte[KeyDerivation.OutputLength];
            KeyDerivation.Derive(rawKey, otherPhrase, pepper, otherKeys);
            return !CryptographicOperations.FixedTimeEquals(otherKeys[KeyDerivation.AesKeyLength..], sealKeys[KeyDerivation.AesKeyLength..])
                && !SecretCipher.TryOpen(otherKeys[..KeyDerivation.AesKeyLength], id, record, opened)
                && Array.TrueForAll(opened, b => b == 0);
        }, iter: 1000);
    }
}
