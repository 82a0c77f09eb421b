using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Ots.Crypto;

/// <summary>
/// Throws for caller bugs (a buffer of the wrong size), never for client input: client input makes the
/// <c>Try*</c> methods return <see langword="false"/>. Kept out of line so the callers stay small enough to inline.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [StackTraceHidden]
    public static void ThrowWrongLength(string paramName, int expected) =>
        throw new ArgumentException($"Must be exactly {expected} bytes long.", paramName);

    [DoesNotReturn]
    [StackTraceHidden]
    public static void ThrowTooShort(string paramName, int minimum) =>
        throw new ArgumentException($"Must be at least {minimum} bytes long.", paramName);
}
