namespace Ots.Protocol.Routes;

/// <summary>The default and the maximum time to live of a secret, in milliseconds.</summary>
public readonly record struct TtlPolicy(long DefaultMilliseconds, long MaxMilliseconds)
{
    /// <summary>Seven days: the replaced service's default and its maximum.</summary>
    public const long SevenDaysMilliseconds = 7L * 24 * 60 * 60 * 1000;

    /// <summary>Seven days by default and at most.</summary>
    public static TtlPolicy Default => new(SevenDaysMilliseconds, SevenDaysMilliseconds);
}
