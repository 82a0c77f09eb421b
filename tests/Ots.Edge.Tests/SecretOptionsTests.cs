using Microsoft.Extensions.Configuration;
using Ots.Edge.Hosting;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// The two secrets of the edge, the store's password and the pepper, can come from files (<c>--store-password-file</c>,
/// <c>--pepper-file</c>: mounted secrets), and the edge warns when one is given on its command line, which every
/// local user can read. A file that cannot serve stops the start with one line that never shows its content.
/// (That the store password from a file connects, and wins over <c>password=</c>, is checked against a
/// password-protected Garnet in tests/Ots.Reliability.Tests/ComposeStoreTests.cs.)
/// </summary>
public sealed class SecretOptionsTests : IDisposable
{
    private const string PepperBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..31

    private readonly TempDirectory _directory = new("ots-secret-options-");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("s3cret-pw\n", "s3cret-pw")]
    [InlineData("s3cret-pw\r\n", "s3cret-pw")]
    [InlineData("  s3cret pw  \nsecond line ignored\n", "s3cret pw")]
    [InlineData("p\"w,=;$ \\ x", "p\"w,=;$ \\ x")]
    public void The_store_password_is_the_first_line_of_its_file(string content, string expected)
    {
        var options = Load(("Store", "127.0.0.1:6379"), ("StorePasswordFile", File(content)));

        Assert.Equal(expected, options.StorePassword);
    }

    [Fact]
    public void The_pepper_from_a_file_is_the_pepper_from_the_option()
    {
        var fromOption = Load(("Pepper", PepperBase64));
        var fromFile = Load(("PepperFile", File(PepperBase64 + "\n")));

        Assert.Equal(Enumerable.Range(0, 32).Select(i => (byte)i), fromOption.Pepper);
        Assert.Equal(fromOption.Pepper, fromFile.Pepper);
    }

    [Fact]
    public void The_previous_pepper_of_a_rotation_is_a_pepper_or_none()
    {
        const string Previous = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="; // bytes 32..63

        var fromOption = Load(("Pepper", PepperBase64), ("PreviousPepper", Previous));
        var fromFile = Load(("Pepper", PepperBase64), ("PreviousPepperFile", File(Previous + "\n")));
        var none = Load(("Pepper", PepperBase64), ("PreviousPepper", "None"));

        Assert.Equal(Enumerable.Range(32, 32).Select(i => (byte)i), fromOption.PreviousPepper);
        Assert.Equal(fromOption.PreviousPepper, fromFile.PreviousPepper);
        Assert.Empty(Assert.IsType<byte[]>(none.PreviousPepper));
        Assert.Null(Load(("Pepper", PepperBase64)).PreviousPepper);
    }

    [Theory]
    [InlineData(new[] { "--pepper", PepperBase64, "--previous-pepper", "not base64!" }, "invalid PreviousPepper: expected base64 of at least 16 bytes, or none")]
    [InlineData(new[] { "--pepper", PepperBase64, "--previous-pepper", PepperBase64 }, "--previous-pepper is the current --pepper")]
    [InlineData(new[] { "--previous-pepper", "none" }, "--previous-pepper none needs a --pepper")]
    public async Task A_previous_pepper_that_makes_no_rotation_stops_the_start(string[] args, string expected)
    {
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", "--store", "127.0.0.1:1", .. args], error);

        Assert.Null(edge);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(PepperBase64, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--store-password-file", "MISSING", "cannot read StorePasswordFile")]
    [InlineData("--store-password-file", "", "invalid StorePasswordFile")]
    [InlineData("--store-password-file", "\n\nsecond-line-only\n", "its first line is empty")]
    [InlineData("--pepper-file", "MISSING", "cannot read PepperFile")]
    [InlineData("--pepper-file", "not base64!\n", "invalid PepperFile: expected base64 of at least 16 bytes")]
    [InlineData("--pepper-file", "AAECAwQFBgcICQoLDA0ODw\n", "invalid PepperFile: expected base64 of at least 16 bytes")]
    [InlineData("--previous-pepper-file", "not base64!\n", "invalid PreviousPepperFile: expected base64 of at least 16 bytes, or none")]
    public async Task A_secret_file_that_cannot_serve_stops_the_start_without_showing_its_content(string option, string content, string expected)
    {
        var path = content == "MISSING" ? Path.Combine(_directory.Path, "missing") : File(content);
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", "--store", "127.0.0.1:1", option, path], error);

        Assert.Null(edge);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("second-line-only", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not base64", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_never_print_their_secrets()
    {
        const string Previous = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
        var options = Load(("Store", "g:6379,password=in-the-string"), ("StorePasswordFile", File("from-the-file\n")), ("Pepper", PepperBase64), ("PreviousPepper", Previous));

        var printed = options.ToString() + " " + options with { DataDir = "other" };
        Assert.DoesNotContain("in-the-string", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("from-the-file", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(PepperBase64, printed, StringComparison.Ordinal);
        Assert.DoesNotContain(Previous, printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pepper_comes_from_the_option_or_the_file_not_both()
    {
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", "--pepper", PepperBase64, "--pepper-file", File(PepperBase64)], error);

        Assert.Null(edge);
        Assert.Contains("Pepper and PepperFile both give the pepper", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_password_file_needs_an_external_store()
    {
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", "--store-password-file", File("pw\n")], error);

        Assert.Null(edge);
        Assert.Contains("--store-password-file needs --store", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--pepper", PepperBase64 }, new[] { "--pepper" })]
    [InlineData(new[] { "--pepper=" + PepperBase64 }, new[] { "--pepper" })]
    [InlineData(new[] { "--pepper-file", "/run/secrets/pepper", "--previous-pepper", PepperBase64 }, new[] { "--previous-pepper" })]
    [InlineData(new[] { "--pepper-file", "/run/secrets/pepper", "--previous-pepper", "none" }, new string[0])]
    [InlineData(new[] { "--store", "g:6379,password=pw" }, new[] { "--store" })]
    [InlineData(new[] { "--STORE=g:6379,ssl=true,Password=pw" }, new[] { "--store" })]
    [InlineData(new[] { "--store", "g:6379", "--pepper-file", "/run/secrets/pepper", "--store-password-file", "/run/secrets/pw" }, new string[0])]
    [InlineData(new[] { "--data-dir", "password=here", "--urls", "http://127.0.0.1:0" }, new string[0])]
    public void Secrets_on_the_command_line_are_named(string[] args, string[] expected)
    {
        Assert.Equal(expected, EdgeHost.SecretsOnCommandLine(args));
    }

    [Fact]
    public async Task The_edge_warns_when_a_secret_is_on_its_command_line()
    {
        var edge = await ChildEdge.StartAsync("--pepper", PepperBase64);
        await edge.DisposeAsync(); // Stopping flushes the console logger's queue.

        Assert.Contains(edge.OutputLines, line => line.Contains("--pepper carries a secret on the command line", StringComparison.Ordinal));
        Assert.DoesNotContain(edge.OutputLines, line => line.Contains(PepperBase64, StringComparison.Ordinal));
    }

    private static OtsOptions Load(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
        Assert.True(OtsOptions.TryLoad(configuration, out var options, out var error), error);
        return options;
    }

    private string File(string content) => _directory.WriteFile(content);
}
