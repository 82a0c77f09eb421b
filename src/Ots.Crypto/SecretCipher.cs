using System.Security.Cryptography;

namespace Ots.Crypto;

/// <summary>
/// The record stored under the record key: <c>version(1) ‖ nonce(12) ‖ ciphertext ‖ GCM tag(16)</c>, sealed with
/// AES-256-GCM. The additional authenticated data is <c>version ‖ id</c>, so a record cannot be moved to another id
/// or reinterpreted under another format version.
/// </summary>
/// <remarks>
/// Each call creates its own <see cref="AesGcm"/>: the key changes with every request, and an instance is not
/// thread-safe (it wraps one OpenSSL context), so there is nothing to reuse.
/// </remarks>
public static class SecretCipher
{
    /// <summary>The format version, the first byte of every record.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Length of the GCM nonce: 96 bits, the size GCM is specified for (NIST SP 800-38D §8.2).</summary>
    public const int NonceLength = 12;

    /// <summary>Length of the GCM authentication tag: the full 128 bits.</summary>
    public const int TagLength = 16;

    /// <summary>Bytes a record adds to its plaintext: version, nonce and tag.</summary>
    public const int Overhead = 1 + NonceLength + TagLength;

    private const int VersionOffset = 0;
    private const int NonceOffset = VersionOffset + 1;
    private const int CiphertextOffset = NonceOffset + NonceLength;
    private const int AadLength = 1 + SecretKey.IdLength;

    /// <summary>Returns the length of the record that seals a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative, or the record would not fit in an <see cref="int"/>.</exception>
    public static int GetRecordLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, int.MaxValue - Overhead);
        return plaintextLength + Overhead;
    }

    /// <summary>
    /// Returns the length of the plaintext in a record of <paramref name="recordLength"/> bytes:
    /// <c>recordLength - <see cref="Overhead"/></c>, negative when the record is too short to be one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="recordLength"/> is negative.</exception>
    public static int GetPlaintextLength(int recordLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordLength);
        return recordLength - Overhead;
    }

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="record"/> under a fresh random nonce.</summary>
    /// <param name="aesKey">The <see cref="KeyDerivation.AesKeyLength"/>-byte AES key from <see cref="KeyDerivation.Derive"/>.</param>
    /// <param name="id">The <see cref="SecretKey.IdLength"/>-byte id of the secret key, bound in as AAD.</param>
    /// <param name="plaintext">The secret.</param>
    /// <param name="record">Exactly <see cref="GetRecordLength"/>(<paramref name="plaintext"/>.Length) bytes.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public static void Seal(ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id, ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        ValidateKeyAndId(aesKey, id);
        ValidateRecord(plaintext, record);

        // Each AES key seals one record by construction (it derives from a fresh random k), so nonce reuse under one
        // key cannot happen; a random nonce keeps that true even if a caller ever sealed twice under one key.
        RandomBytes.Fill(record.Slice(NonceOffset, NonceLength));
        SealCore(aesKey, id, plaintext, record);
    }

    /// <summary>Seals under a caller-chosen nonce; for known-answer tests only, never with a reused nonce.</summary>
    internal static void Seal(ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        ValidateKeyAndId(aesKey, id);
        if (nonce.Length != NonceLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(nonce), NonceLength);
        }

        ValidateRecord(plaintext, record);
        nonce.CopyTo(record.Slice(NonceOffset, NonceLength));
        SealCore(aesKey, id, plaintext, record);
    }

    /// <summary>Opens a record from the store.</summary>
    /// <param name="aesKey">The <see cref="KeyDerivation.AesKeyLength"/>-byte AES key from <see cref="KeyDerivation.Derive"/>.</param>
    /// <param name="id">The <see cref="SecretKey.IdLength"/>-byte id of the secret key.</param>
    /// <param name="record">The stored record; any content.</param>
    /// <param name="plaintext">
    /// Receives the secret; its length must be <see cref="GetPlaintextLength"/>(<paramref name="record"/>.Length),
    /// otherwise the record has the wrong length for it and the method returns <see langword="false"/>.
    /// Cleared when the method returns <see langword="false"/>.
    /// </param>
    /// <returns>
    /// <see langword="false"/> for a record of the wrong length or version, or one that fails authentication
    /// (wrong key, wrong id, tampered); never throws on <paramref name="record"/>.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="aesKey"/> or <paramref name="id"/> has the wrong length.</exception>
    public static bool TryOpen(ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id, ReadOnlySpan<byte> record, Span<byte> plaintext)
    {
        ValidateKeyAndId(aesKey, id);

        if (record.Length < Overhead
            || plaintext.Length != record.Length - Overhead
            || record[VersionOffset] != FormatVersion)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }

        Span<byte> aad = stackalloc byte[AadLength];
        WriteAad(id, aad);
        using var aes = new AesGcm(aesKey, TagLength);
        try
        {
            aes.Decrypt(
                record.Slice(NonceOffset, NonceLength),
                record.Slice(CiphertextOffset, plaintext.Length),
                record[^TagLength..],
                plaintext,
                aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm already clears the destination on a mismatch; clearing again keeps the promise independent of it.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    // Expects the nonce already in place in the record.
    private static void SealCore(ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id, ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        Span<byte> aad = stackalloc byte[AadLength];
        WriteAad(id, aad);
        record[VersionOffset] = FormatVersion;
        using var aes = new AesGcm(aesKey, TagLength);
        aes.Encrypt(
            record.Slice(NonceOffset, NonceLength),
            plaintext,
            record.Slice(CiphertextOffset, plaintext.Length),
            record[^TagLength..],
            aad);
    }

    // AAD = version ‖ id. The version is the constant, not the record's byte: TryOpen has already required them equal.
    private static void WriteAad(ReadOnlySpan<byte> id, Span<byte> aad)
    {
        aad[0] = FormatVersion;
        id.CopyTo(aad[1..]);
    }

    private static void ValidateKeyAndId(ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id)
    {
        // AesGcm would also take 128- and 192-bit keys; the format promises AES-256 only.
        if (aesKey.Length != KeyDerivation.AesKeyLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(aesKey), KeyDerivation.AesKeyLength);
        }

        if (id.Length != SecretKey.IdLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(id), SecretKey.IdLength);
        }
    }

    private static void ValidateRecord(ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        if (record.Length != GetRecordLength(plaintext.Length))
        {
            ThrowHelper.ThrowWrongLength(nameof(record), GetRecordLength(plaintext.Length));
        }
    }
}
