using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using StackExchange.Redis;

namespace Ots.Edge.Store;

/// <summary>
/// Builds the two store keys of a secret (DESIGN §3): the guard <c>ots:{&lt;id&gt;}</c> and the record
/// <c>ots:{&lt;id&gt;}:&lt;tag&gt;</c>, with id and tag in base64url without padding.
/// </summary>
/// <remarks>
/// The braces are a cluster hash tag: Redis Cluster and Garnet cluster hash only the bytes between the first
/// <c>{</c> and the next <c>}</c>, so both keys of a secret land in one slot and their pipelined commands go to
/// one node. Keys are built as <see cref="byte"/> arrays, not strings: one array per key is what a
/// <see cref="RedisKey"/> needs, and no UTF-16 detour is taken.
/// </remarks>
internal static class StoreKeys
{
    /// <summary>Length in bytes of a secret id.</summary>
    public const int IdLength = 16;

    /// <summary>Length in bytes of a record tag.</summary>
    public const int TagLength = 16;

    // base64url of 16 bytes without padding: ceil(16 * 8 / 6) = 22 characters.
    private const int EncodedLength = 22;

    /// <summary>Length in bytes of a guard key: <c>ots:{</c> + 22 + <c>}</c>.</summary>
    public const int GuardKeyLength = 5 + EncodedLength + 1;

    /// <summary>Length in bytes of a record key: the guard key + <c>:</c> + 22.</summary>
    public const int RecordKeyLength = GuardKeyLength + 1 + EncodedLength;

    private static ReadOnlySpan<byte> Prefix => "ots:{"u8;

    /// <summary>The guard key of the secret <paramref name="id"/>.</summary>
    public static RedisKey Guard(ReadOnlySpan<byte> id)
    {
        var key = new byte[GuardKeyLength];
        WriteGuard(id, key);
        return key;
    }

    /// <summary>The record key of the secret <paramref name="id"/> under the record tag <paramref name="tag"/>.</summary>
    public static RedisKey Record(ReadOnlySpan<byte> id, ReadOnlySpan<byte> tag)
    {
        if (tag.Length != TagLength)
        {
            ThrowLength(nameof(tag), TagLength);
        }

        var key = new byte[RecordKeyLength];
        WriteGuard(id, key);
        key[GuardKeyLength] = (byte)':';
        Base64Url.EncodeToUtf8(tag, key.AsSpan(GuardKeyLength + 1));
        return key;
    }

    private static void WriteGuard(ReadOnlySpan<byte> id, Span<byte> destination)
    {
        if (id.Length != IdLength)
        {
            ThrowLength(nameof(id), IdLength);
        }

        Prefix.CopyTo(destination);
        Base64Url.EncodeToUtf8(id, destination[Prefix.Length..]);
        destination[Prefix.Length + EncodedLength] = (byte)'}';
    }

    // Lengths are fixed by Ots.Crypto: a wrong one is a caller bug, never client input (the key parser rejects those).
    [DoesNotReturn]
    private static void ThrowLength(string name, int expected) =>
        throw new ArgumentException($"Expected {expected} bytes.", name);
}
