using System.Diagnostics;

namespace Ots.Testing;

/// <summary>Children still running when the test host exits (an aborted run) are killed rather than left listening.</summary>
internal static class ChildProcesses
{
    private static readonly HashSet<Process> s_running = [];

    static ChildProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    public static void Track(Process process)
    {
        lock (s_running)
        {
            s_running.Add(process);
        }
    }

    public static void Forget(Process process)
    {
        lock (s_running)
        {
            s_running.Remove(process);
        }
    }

    private static void KillAll()
    {
        lock (s_running)
        {
            foreach (var process in s_running)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }
            }
        }
    }
}
