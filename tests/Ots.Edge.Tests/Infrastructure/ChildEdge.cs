namespace Ots.Edge.Tests.Infrastructure;

/// <summary>
/// An edge as a child process whatever the mode of the run (the JIT build, or the AOT binary in binary mode), for
/// tests that read what the process writes: its log.
/// </summary>
public static class ChildEdge
{
    /// <summary>Starts one with <paramref name="arguments"/>; its stdout and stderr are in <see cref="ProcessEdgeServer.OutputLines"/>.</summary>
    public static Task<ProcessEdgeServer> StartAsync(params string[] arguments) => EdgeServer.Mode == EdgeMode.Binary
        ? ProcessEdgeServer.StartBinaryAsync(
            Environment.GetEnvironmentVariable(EdgeServer.BinaryVariable)!, Environment.GetEnvironmentVariable(EdgeServer.StoreVariable)!, arguments)
        : ProcessEdgeServer.StartDllAsync(Path.Combine(AppContext.BaseDirectory, "Ots.Edge.dll"), arguments, dataDirectory: null);
}
