using System.Globalization;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;

namespace Ots.Reliability.Tests;

/// <summary>
/// <c>--store-password-file</c> against a password-protected Garnet: the edge connects with the file's password, which
/// wins over a <c>password=</c> in <c>--store</c>, and with a wrong one it stores nothing (503) and never logs it.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class StorePasswordFileTests(GarnetFixture fixture) : IDisposable
{
    private readonly TempDirectory _directory = new("ots-store-password-");

    public void Dispose() => _directory.Dispose();

    private string Address => "127.0.0.1:" + fixture.Garnet.Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_edge_connects_with_the_password_of_the_file()
    {
        await using var edge = await EdgeProcess.StartAsync(Address, ["--store-password-file", PasswordFile(fixture.Garnet.Password + "\n")]);
        using var client = edge.CreateClient();

        Assert.True(await Probe.CanGenerateAsync(client), "the edge could not store a secret: " + edge.Diagnostics);
    }

    [Fact]
    public async Task The_file_wins_over_a_password_in_the_store_setting()
    {
        await using var edge = await EdgeProcess.StartAsync(Address + ",password=not-the-password", ["--store-password-file", PasswordFile(fixture.Garnet.Password)]);
        using var client = edge.CreateClient();

        Assert.True(await Probe.CanGenerateAsync(client), "the edge could not store a secret: " + edge.Diagnostics);
    }

    [Fact]
    public async Task With_a_wrong_password_the_edge_stores_nothing_and_logs_no_password()
    {
        const string Wrong = "wrong-password-from-file";
        var edge = await EdgeProcess.StartAsync(Address, ["--store-password-file", PasswordFile(Wrong)]);
        try
        {
            using var client = edge.CreateClient();
            Assert.False(await Probe.CanGenerateAsync(client));
        }
        finally
        {
            await edge.DisposeAsync();
        }

        Assert.DoesNotContain(edge.OutputLines, line => line.Contains(Wrong, StringComparison.Ordinal));
    }

    private string PasswordFile(string content) => _directory.WriteFile(content);
}
