namespace Ots.Protocol.Http;

/// <summary>What a parse step made of the bytes it was given.</summary>
public enum ParseStatus
{
    /// <summary>More bytes are needed; nothing was consumed.</summary>
    Incomplete,

    /// <summary>A complete element was parsed.</summary>
    Complete,

    /// <summary>The input breaks the protocol or a limit; see the <see cref="RejectReason"/>. The connection closes after the response.</summary>
    Invalid,
}
