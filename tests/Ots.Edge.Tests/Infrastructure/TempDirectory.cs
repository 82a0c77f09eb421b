namespace Ots.Edge.Tests.Infrastructure;

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="content"/> to a new file with a fresh name in this directory and returns its path.</summary>
    public string WriteFile(string content)
    {
        var path = System.IO.Path.Combine(Path, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A store that is still shutting down may hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
