using System.Globalization;

namespace Ots.Testing;

/// <summary>
/// What Linux shows about the processes of one process group (a script's <c>setsid</c> child and what it started):
/// the command lines, which every user of the host can read (<c>ps</c>), and the environments, which only their owner can.
/// </summary>
internal static class ProcessGroup
{
    /// <summary>The live processes whose process group is <paramref name="group"/>, by PID.</summary>
    public static IReadOnlyList<int> Members(int group)
    {
        var members = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && GroupOf(pid) == group)
            {
                members.Add(pid);
            }
        }

        return members;
    }

    /// <summary>A process's command line, its arguments joined by spaces ("" once it is gone).</summary>
    public static string CommandLine(int pid) => ReadNulSeparated(pid, "cmdline");

    /// <summary>A process's environment, <c>NAME=value</c> joined by spaces ("" once it is gone).</summary>
    public static string Environment(int pid) => ReadNulSeparated(pid, "environ");

    private static int GroupOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so count from the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1; // Gone meanwhile.
        }
    }

    private static string ReadNulSeparated(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{file}").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
