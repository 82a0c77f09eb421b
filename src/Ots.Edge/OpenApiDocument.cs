namespace Ots.Edge;

/// <summary>
/// <c>docs/openapi.yaml</c>, embedded in the assembly at build time (a manifest resource, so the AOT binary carries
/// it too) and served as is at <c>GET /openapi.yaml</c>.
/// </summary>
internal static class OpenApiDocument
{
    /// <summary>The manifest resource name given in Ots.Edge.csproj.</summary>
    public const string ResourceName = "openapi.yaml";

    private static readonly byte[] s_yaml = Load();

    /// <summary>The document's bytes (UTF-8).</summary>
    public static ReadOnlySpan<byte> Yaml => s_yaml;

    private static byte[] Load()
    {
        using var stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("The build did not embed " + ResourceName);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
