using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Ots.Protocol;

/// <summary>Throws for broken invariants only (client input never throws), out of line so hot methods stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [StackTraceHidden]
    public static void ThrowEncodingFailed(OperationStatus status) =>
        throw new InvalidOperationException("JSON escaping did not complete: " + status.ToString());

    [DoesNotReturn]
    [StackTraceHidden]
    public static void ThrowBufferTooSmall(string paramName) =>
        throw new ArgumentException("The buffer is smaller than the body it must hold.", paramName);
}
