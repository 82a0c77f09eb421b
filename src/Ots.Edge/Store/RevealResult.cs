namespace Ots.Edge.Store;

/// <summary>What <see cref="SecretStore.RevealAsync"/> decided (DESIGN §3).</summary>
public enum RevealOutcome
{
    /// <summary>This caller claimed the record: answer 200. The secret no longer exists in the store.</summary>
    Revealed,

    /// <summary>The record tag matched no record while the guard had attempts left; one attempt was used: answer 403.</summary>
    WrongPhrase,

    /// <summary>Unknown, expired, already revealed, destroyed, or another reader won the race: answer 404.</summary>
    NotFound,
}

/// <summary>
/// The outcome of a reveal and, when <see cref="Outcome"/> is <see cref="RevealOutcome.Revealed"/>, the sealed record.
/// </summary>
/// <remarks>
/// Ownership: whoever receives the result may use <see cref="Record"/> until it calls <see cref="Dispose"/>, and
/// must call it. Today the record is a plain array that the garbage collector reclaims (the claim command,
/// <c>SET … GET</c>, has no pooled-buffer reader in StackExchange.Redis), so <see cref="Dispose"/> only lets go of
/// it; the contract is what lets the store hand out a pooled buffer later without touching its callers.
/// </remarks>
public readonly struct RevealResult : IDisposable, IEquatable<RevealResult>
{
    private readonly ReadOnlyMemory<byte> _record;

    private RevealResult(RevealOutcome outcome, ReadOnlyMemory<byte> record, bool secretDestroyed = false, bool underPreviousTag = false)
    {
        Outcome = outcome;
        _record = record;
        SecretDestroyed = secretDestroyed;
        UnderPreviousTag = underPreviousTag;
    }

    /// <summary>A wrong phrase.</summary>
    public static RevealResult WrongPhrase => new(RevealOutcome.WrongPhrase, default);

    /// <summary>A wrong phrase that used the last attempt: the secret is destroyed (still answered 403).</summary>
    public static RevealResult LastWrongPhrase => new(RevealOutcome.WrongPhrase, default, secretDestroyed: true);

    /// <summary>Not found.</summary>
    public static RevealResult NotFound => new(RevealOutcome.NotFound, default);

    /// <summary>What the caller should answer.</summary>
    public RevealOutcome Outcome { get; }

    /// <summary>True when this wrong phrase used the last attempt and destroyed the secret (metrics only).</summary>
    public bool SecretDestroyed { get; }

    /// <summary>
    /// True when the record was found under the previous pepper's tag (a rotation): it opens with the AES key derived
    /// under that pepper.
    /// </summary>
    public bool UnderPreviousTag { get; }

    /// <summary>The sealed record (version ‖ nonce ‖ ciphertext ‖ tag) when revealed; empty otherwise. Valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Record => _record;

    /// <summary>Ends the use of <see cref="Record"/>.</summary>
    public void Dispose()
    {
    }

    /// <inheritdoc/>
    public bool Equals(RevealResult other) =>
        Outcome == other.Outcome && SecretDestroyed == other.SecretDestroyed && UnderPreviousTag == other.UnderPreviousTag && _record.Equals(other._record);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RevealResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Outcome, SecretDestroyed, UnderPreviousTag, _record);

    /// <summary>Equality by outcome and record buffer identity.</summary>
    public static bool operator ==(RevealResult left, RevealResult right) => left.Equals(right);

    /// <summary>Inequality by outcome and record buffer identity.</summary>
    public static bool operator !=(RevealResult left, RevealResult right) => !left.Equals(right);

    internal static RevealResult Revealed(ReadOnlyMemory<byte> record, bool underPreviousTag = false) =>
        new(RevealOutcome.Revealed, record, underPreviousTag: underPreviousTag);
}
