using System.Diagnostics.CodeAnalysis;

namespace Ots.Edge.Hosting;

/// <summary>
/// Whether this build can host Garnet in-process. Garnet is not Native-AOT safe (reflection-based options; Lua
/// and MULTI break), so the AOT publish sets this switch to false and the trimmer removes every path to it:
/// the AOT binary then requires <c>--store</c>. <c>dotnet run</c> keeps the embedded default.
/// </summary>
internal static class EmbeddedStoreFeature
{
    private const string SwitchName = "Ots.Edge.EmbeddedStore.IsSupported";

    [FeatureSwitchDefinition(SwitchName)]
    public static bool IsSupported => !AppContext.TryGetSwitch(SwitchName, out var enabled) || enabled;
}
