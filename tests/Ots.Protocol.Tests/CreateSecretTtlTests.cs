using System.Text;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary>The <c>ttl</c> rules of DESIGN §1: summed members, milliseconds rounded up, clamped to the maximum, and every 400.</summary>
public class CreateSecretTtlTests
{
    private const long Week = TtlPolicy.SevenDaysMilliseconds;

    private static readonly Dictionary<string, (string Ttl, CreateSecretError Error, long Milliseconds)> s_cases = new()
    {
        ["absent"] = ("", CreateSecretError.None, Week),
        ["null"] = ("null", CreateSecretError.None, Week),
        ["empty object"] = ("{}", CreateSecretError.None, Week),
        ["days"] = ("""{"days":1}""", CreateSecretError.None, 86_400_000),
        ["hours"] = ("""{"hours":2}""", CreateSecretError.None, 7_200_000),
        ["minutes"] = ("""{"minutes":3}""", CreateSecretError.None, 180_000),
        ["seconds"] = ("""{"seconds":4}""", CreateSecretError.None, 4_000),
        ["all four summed"] = ("""{"days":1,"hours":1,"minutes":1,"seconds":1}""", CreateSecretError.None, 90_061_000),
        ["all four in another order"] = ("""{"seconds":1,"minutes":1,"hours":1,"days":1}""", CreateSecretError.None, 90_061_000),
        ["zero members do not hide the others"] = ("""{"days":0,"hours":0,"minutes":5,"seconds":0}""", CreateSecretError.None, 300_000),
        ["half a day"] = ("""{"days":0.5}""", CreateSecretError.None, 43_200_000),
        ["an hour and a half"] = ("""{"hours":1.5}""", CreateSecretError.None, 5_400_000),
        ["fractions summed"] = ("""{"minutes":0.5,"seconds":0.25}""", CreateSecretError.None, 30_250),
        ["exponent"] = ("""{"seconds":1e3}""", CreateSecretError.None, 1_000_000),
        ["exponent with sign"] = ("""{"minutes":2.5E+1}""", CreateSecretError.None, 1_500_000),
        ["negative exponent"] = ("""{"seconds":25e-1}""", CreateSecretError.None, 2_500),
        ["negative zero among positives"] = ("""{"days":-0,"seconds":1}""", CreateSecretError.None, 1_000),

        // Rounded up: any positive total is at least 1 ms.
        ["0.0001 seconds is 1 ms"] = ("""{"seconds":0.0001}""", CreateSecretError.None, 1),
        ["1.0001 seconds is 1001 ms"] = ("""{"seconds":1.0001}""", CreateSecretError.None, 1_001),
        ["0.0015 seconds is 2 ms"] = ("""{"seconds":0.0015}""", CreateSecretError.None, 2),
        ["1e-300 seconds is 1 ms"] = ("""{"seconds":1e-300}""", CreateSecretError.None, 1),
        ["1.1 days is exactly 95 040 000 ms"] = ("""{"days":1.1}""", CreateSecretError.None, 95_040_000),
        ["1.005 seconds is exactly 1005 ms"] = ("""{"seconds":1.005}""", CreateSecretError.None, 1_005),
        ["decimal fractions summed exactly"] = ("""{"days":0.1,"hours":0.1,"minutes":0.1,"seconds":0.1}""", CreateSecretError.None, 8_640_000 + 360_000 + 6_000 + 100),
        ["0.0000001 days is 9 ms"] = ("""{"days":0.0000001}""", CreateSecretError.None, 9),
        ["5e-324 days is 1 ms"] = ("""{"days":5e-324}""", CreateSecretError.None, 1),

        // Clamped to the maximum, never overflowing.
        ["exactly seven days"] = ("""{"days":7}""", CreateSecretError.None, Week),
        ["six days and 24 hours"] = ("""{"days":6,"hours":24}""", CreateSecretError.None, Week),
        ["one ms under seven days"] = ("""{"days":6,"hours":23,"minutes":59,"seconds":59.999}""", CreateSecretError.None, Week - 1),
        ["eight days"] = ("""{"days":8}""", CreateSecretError.None, Week),
        ["seven days and a second"] = ("""{"days":7,"seconds":1}""", CreateSecretError.None, Week),
        ["a very large number of seconds"] = ("""{"seconds":9223372036854775807}""", CreateSecretError.None, Week),
        ["1e308 days"] = ("""{"days":1e308}""", CreateSecretError.None, Week),
        ["1e400 days"] = ("""{"days":1e400}""", CreateSecretError.None, Week),
        ["1e400 in every member"] = ("""{"days":1e400,"hours":1e400,"minutes":1e400,"seconds":1e400}""", CreateSecretError.None, Week),
        ["a 400-digit number"] = ("{\"minutes\":" + new string('9', 400) + "}", CreateSecretError.None, Week),

        // Zero total.
        ["zero days"] = ("""{"days":0}""", CreateSecretError.TtlNotPositive, 0),
        ["all zero"] = ("""{"days":0,"hours":0,"minutes":0,"seconds":0.0}""", CreateSecretError.TtlNotPositive, 0),
        ["negative zero"] = ("""{"seconds":-0.0}""", CreateSecretError.TtlNotPositive, 0),
        ["zero exponent form"] = ("""{"hours":0e10}""", CreateSecretError.TtlNotPositive, 0),
        ["zero with an unknown member"] = ("""{"foo":1,"days":0}""", CreateSecretError.TtlNotPositive, 0),

        // A member that is not a non-negative number.
        ["negative days"] = ("""{"days":-1}""", CreateSecretError.TtlMemberInvalid, 0),
        ["negative fraction"] = ("""{"seconds":-0.0001}""", CreateSecretError.TtlMemberInvalid, 0),
        ["negative among positives"] = ("""{"days":1,"hours":-1}""", CreateSecretError.TtlMemberInvalid, 0),
        ["-1e400"] = ("""{"days":-1e400}""", CreateSecretError.TtlMemberInvalid, 0),
        ["-1e400 seconds after days"] = ("""{"days":1,"seconds":-1e400}""", CreateSecretError.TtlMemberInvalid, 0),
        ["string"] = ("""{"days":"1"}""", CreateSecretError.TtlMemberInvalid, 0),
        ["null member"] = ("""{"hours":null}""", CreateSecretError.TtlMemberInvalid, 0),
        ["true"] = ("""{"minutes":true}""", CreateSecretError.TtlMemberInvalid, 0),
        ["false"] = ("""{"seconds":false}""", CreateSecretError.TtlMemberInvalid, 0),
        ["array member"] = ("""{"days":[1]}""", CreateSecretError.TtlMemberInvalid, 0),
        ["object member"] = ("""{"days":{"n":1}}""", CreateSecretError.TtlMemberInvalid, 0),

        // ttl neither an object nor null, or an object naming none of the members.
        ["ttl an array"] = ("[]", CreateSecretError.TtlNotAnObject, 0),
        ["ttl an array of an object"] = ("""[{"days":1}]""", CreateSecretError.TtlNotAnObject, 0),
        ["ttl a string"] = ("\"7d\"", CreateSecretError.TtlNotAnObject, 0),
        ["ttl a number"] = ("3600", CreateSecretError.TtlNotAnObject, 0),
        ["ttl true"] = ("true", CreateSecretError.TtlNotAnObject, 0),
        ["only an unknown member"] = ("""{"foo":1}""", CreateSecretError.TtlNotAnObject, 0),
        ["members are case-sensitive"] = ("""{"Days":1,"HOURS":1}""", CreateSecretError.TtlNotAnObject, 0),
        ["an unknown member with a valid one"] = ("""{"foo":1,"days":1}""", CreateSecretError.None, 86_400_000),
        ["an unknown nested member with a valid one"] = ("""{"hours":1,"foo":{"days":[-1,"x"]}}""", CreateSecretError.None, 3_600_000),
        ["escaped member name"] = ("""{"d\u0061ys":1}""", CreateSecretError.None, 86_400_000),
    };

    public static TheoryData<string> Names => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Ttl_reads_whole_split_at_every_offset_and_one_byte_per_segment(string name)
    {
        var (ttl, error, milliseconds) = s_cases[name];
        var json = ttl.Length == 0
            ? """{"secret":"s","phrase":"p"}"""
            : "{\"secret\":\"s\",\"ttl\":" + ttl + ",\"phrase\":\"p\"}";
        var expected = new CreateSecretTests.Body(json, error, "s", "p", milliseconds);
        CreateSecretTests.AssertReads(Encoding.UTF8.GetBytes(json), expected, TtlPolicy.Default);
    }

    [Fact]
    public void The_policy_gives_the_default_and_the_maximum()
    {
        var policy = new TtlPolicy(DefaultMilliseconds: 1_000, MaxMilliseconds: 5_000);
        CreateSecretTests.AssertReads(
            """{"secret":"s","phrase":"p"}"""u8.ToArray(), new("", CreateSecretError.None, "s", "p", 1_000), policy);
        CreateSecretTests.AssertReads(
            """{"secret":"s","phrase":"p","ttl":{}}"""u8.ToArray(), new("", CreateSecretError.None, "s", "p", 1_000), policy);
        CreateSecretTests.AssertReads(
            """{"secret":"s","phrase":"p","ttl":{"seconds":4.9999}}"""u8.ToArray(), new("", CreateSecretError.None, "s", "p", 5_000), policy);
        CreateSecretTests.AssertReads(
            """{"secret":"s","phrase":"p","ttl":{"seconds":10}}"""u8.ToArray(), new("", CreateSecretError.None, "s", "p", 5_000), policy);
    }

    [Fact]
    public void Default_policy_is_seven_days_both_ways()
    {
        Assert.Equal(7L * 24 * 60 * 60 * 1000, TtlPolicy.SevenDaysMilliseconds);
        Assert.Equal(new TtlPolicy(604_800_000, 604_800_000), TtlPolicy.Default);
    }
}
