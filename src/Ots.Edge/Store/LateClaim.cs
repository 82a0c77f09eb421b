namespace Ots.Edge.Store;

/// <summary>What a claim did after its reveal had already answered 503 (see <see cref="SecretStore.LateClaimSettled"/>).</summary>
public enum LateClaim
{
    /// <summary>It found no record under its tag, or another reader's tombstone: nothing to undo.</summary>
    TookNothing,

    /// <summary>It took the record, which is back in place: the secret can be revealed again.</summary>
    PutBack,

    /// <summary>It took the record, and the secret's lifetime ended before it could be put back.</summary>
    Expired,

    /// <summary>No reply within the reply window, or the connection failed: if the store ran the claim, the secret is lost.</summary>
    Unknown,
}
