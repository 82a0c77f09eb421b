using System.Buffers.Text;
using System.Text;
using Ots.Edge.Store;
using StackExchange.Redis;

namespace Ots.Store.Tests;

public sealed class StoreKeysTests
{
    private static readonly byte[] s_id = Enumerable.Range(0, 16).Select(i => (byte)(0xF0 + i)).ToArray();
    private static readonly byte[] s_tag = Enumerable.Range(0, 16).Select(i => (byte)(i * 17)).ToArray();

    [Fact]
    public void Keys_are_the_hash_tagged_base64url_id_and_tag()
    {
        var id = Base64Url.EncodeToString(s_id);
        var tag = Base64Url.EncodeToString(s_tag);
        Assert.Equal(22, id.Length);

        Assert.Equal("ots:{" + id + "}", Text(StoreKeys.Guard(s_id)));
        Assert.Equal("ots:{" + id + "}:" + tag, Text(StoreKeys.Record(s_id, s_tag)));
        Assert.Equal(StoreKeys.GuardKeyLength, ((byte[])StoreKeys.Guard(s_id)!).Length);
        Assert.Equal(StoreKeys.RecordKeyLength, ((byte[])StoreKeys.Record(s_id, s_tag)!).Length);
    }

    [Fact]
    public void Guard_and_record_share_a_cluster_slot()
    {
        // The spec's check value: CRC16-XMODEM("123456789") = 0x31C3.
        Assert.Equal(0x31C3 % 16384, HashSlot("123456789"));

        // base64url never produces '{' or '}', so the hash tag is exactly the encoded id.
        for (var i = 0; i < 64; i++)
        {
            var id = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
            var tag = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
            var guard = StoreKeys.Guard(id);
            var record = StoreKeys.Record(id, tag);

            Assert.Equal(HashSlot(Text(guard)), HashSlot(Text(record)));
            Assert.Equal(HashSlot(Base64Url.EncodeToString(id)), HashSlot(Text(guard)));
        }
    }

    [Fact]
    public void Wrong_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => StoreKeys.Guard(new byte[15]));
        Assert.Throws<ArgumentException>(() => StoreKeys.Record(s_id, new byte[17]));
    }

    private static string Text(RedisKey key) => Encoding.ASCII.GetString((byte[])key!);

    // The Redis Cluster key-slot function (CRC16-XMODEM of the hash tag, mod 16384), as the spec defines it, so the
    // test does not depend on a cluster being at hand.
    private static int HashSlot(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        ushort crc = 0;
        foreach (var b in Encoding.ASCII.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % 16384;
    }
}
