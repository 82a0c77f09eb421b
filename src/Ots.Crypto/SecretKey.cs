using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Ots.Crypto;

/// <summary>
/// The <c>secret_key</c> handed to the client: base64url without padding of <see cref="RawLength"/> random bytes,
/// a <see cref="IdLength"/>-byte id (the store lookup) followed by <see cref="KeyMaterialLength"/> bytes of key
/// material <c>k</c>, which is never stored or logged (DESIGN §2).
/// </summary>
public static class SecretKey
{
    /// <summary>Length of the id, the part of the key the store sees.</summary>
    public const int IdLength = 16;

    /// <summary>Length of <c>k</c>, the key material that only the client holds.</summary>
    public const int KeyMaterialLength = 16;

    /// <summary>Length of the raw key: id ‖ k.</summary>
    public const int RawLength = IdLength + KeyMaterialLength;

    /// <summary>Length of the base64url spelling of a raw key, without padding: ceil(32 * 8 / 6).</summary>
    public const int EncodedLength = 43;

    /// <summary>Fills <paramref name="raw"/> with a new random key from the OS CSPRNG (drawn in blocks: <see cref="RandomBytes"/>).</summary>
    /// <param name="raw">Exactly <see cref="RawLength"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="raw"/> has the wrong length.</exception>
    public static void Generate(Span<byte> raw)
    {
        if (raw.Length != RawLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(raw), RawLength);
        }

        RandomBytes.Fill(raw);
    }

    /// <summary>Writes the base64url spelling of <paramref name="raw"/> (no padding) as ASCII.</summary>
    /// <param name="raw">Exactly <see cref="RawLength"/> bytes.</param>
    /// <param name="utf8">At least <see cref="EncodedLength"/> bytes; exactly the first <see cref="EncodedLength"/> are written.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public static void Encode(ReadOnlySpan<byte> raw, Span<byte> utf8)
    {
        if (raw.Length != RawLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(raw), RawLength);
        }

        if (utf8.Length < EncodedLength)
        {
            ThrowHelper.ThrowTooShort(nameof(utf8), EncodedLength);
        }

        // A larger destination is allowed so callers can encode straight into an IBufferWriter span.
        Base64Url.EncodeToUtf8(raw, utf8);
    }

    /// <summary>
    /// Decodes a key the client sent. Strict: exactly <see cref="EncodedLength"/> characters of <c>A-Z a-z 0-9 - _</c>,
    /// no padding, no whitespace, and canonical (the 2 unused low bits of the last character are zero), so that one
    /// key has exactly one spelling.
    /// </summary>
    /// <param name="utf8">The key as sent by the client; any content.</param>
    /// <param name="raw">Exactly <see cref="RawLength"/> bytes; cleared when the method returns <see langword="false"/>.</param>
    /// <returns><see langword="false"/> for anything that is not the exact spelling of a key; never throws on <paramref name="utf8"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="raw"/> has the wrong length.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, Span<byte> raw)
    {
        if (raw.Length != RawLength)
        {
            ThrowHelper.ThrowWrongLength(nameof(raw), RawLength);
        }

        if (utf8.Length != EncodedLength)
        {
            raw.Clear();
            return false;
        }

        // The framework decoder is lenient (it skips whitespace, accepts padding and ignores the unused bits of the
        // last character). Rather than re-implement the alphabet, accept exactly what Encode produces: decode, then
        // require that encoding the result gives back the input byte for byte. Both sides come from the client's own
        // input, so timing tells the client nothing it does not know; FixedTimeEquals keeps the rule for buffers
        // that spell k anyway.
        Span<byte> canonical = stackalloc byte[EncodedLength];
        var status = Base64Url.DecodeFromUtf8(utf8, raw, out _, out int written);
        bool ok = status == OperationStatus.Done
            && written == RawLength
            && Base64Url.TryEncodeToUtf8(raw, canonical, out int encoded)
            && encoded == EncodedLength
            && CryptographicOperations.FixedTimeEquals(canonical, utf8);

        // The scratch copy spells k.
        CryptographicOperations.ZeroMemory(canonical);
        if (!ok)
        {
            CryptographicOperations.ZeroMemory(raw);
        }

        return ok;
    }
}
