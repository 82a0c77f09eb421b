using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ots.Edge.Hosting;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>A self-signed certificate and its key as PEM files in a temporary directory.</summary>
public sealed class SelfSignedPem : IDisposable
{
    private readonly TempDirectory _directory = new("ots-tls-");

    public SelfSignedPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        CertificatePath = Path.Combine(_directory.Path, "cert.pem");
        KeyPath = Path.Combine(_directory.Path, "key.pem");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// <c>--https-cert</c>/<c>--https-key</c>: TLS by Kestrel in front of the same connection handler, tested with curl
/// and <c>--cacert</c>. The edge runs in process (its https port is read back from <see cref="RunningEdge.Addresses"/>,
/// port 0 in, real port out); the AOT binary was checked by hand the same way.
/// </summary>
public sealed class TlsTests : IClassFixture<SelfSignedPem>, IAsyncLifetime, IDisposable
{
    private readonly SelfSignedPem _pem;
    private readonly TempDirectory _data = new("ots-tls-data-");
    private RunningEdge? _edge;

    public TlsTests(SelfSignedPem pem) => _pem = pem;

    private Uri Https => new(_edge!.Addresses.Single(address => address.StartsWith("https://", StringComparison.Ordinal)));

    private Uri PlainHttp => new(_edge!.Addresses.Single(address => address.StartsWith("http://", StringComparison.Ordinal)));

    public async Task InitializeAsync()
    {
        using var error = new StringWriter();
        _edge = await EdgeHost.TryStartAsync(
            ["--urls", "https://127.0.0.1:0;http://127.0.0.1:0", "--https-cert", _pem.CertificatePath, "--https-key", _pem.KeyPath,
             "--data-dir", _data.Path, "--Logging:LogLevel:Default=Warning"],
            error);
        Assert.True(_edge is not null, "the TLS edge did not start: " + error);
    }

    public async Task DisposeAsync()
    {
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
            _edge = null;
        }

        _data.Dispose();
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Addresses_report_the_real_ports_with_their_schemes()
    {
        Assert.Equal(2, _edge!.Addresses.Count);
        Assert.NotEqual(0, Https.Port);
        Assert.NotEqual(0, PlainHttp.Port);
        Assert.NotEqual(Https.Port, PlainHttp.Port);
    }

    [CurlFact]
    public async Task Curl_generates_and_reveals_over_tls_with_http11_alpn()
    {
        var generate = await Curl.RunAsync("-sv", "--cacert", _pem.CertificatePath, "-d", """{"secret":"over tls","phrase":"p"}""", new Uri(Https, "generate").ToString());
        Assert.True(generate.ExitCode == 0, "curl exit " + generate.ExitCode + ": " + generate.Error);
        var key = Http.CreatedKey(generate.Output);

        // The handler speaks HTTP/1.1 only: ALPN must settle on it although curl offers h2.
        Assert.Contains("ALPN: server accepted http/1.1", generate.Error, StringComparison.Ordinal);

        var reveal = await Curl.RunAsync("-s", "--cacert", _pem.CertificatePath, "-d", """{"phrase":"p"}""", new Uri(Https, "secrets/" + key).ToString());
        Assert.Equal("""{"secret":"over tls"}""", reveal.Output);
    }

    [CurlFact]
    public async Task Curl_refuses_an_unknown_certificate_and_plain_http_still_works()
    {
        var untrusted = await Curl.RunAsync("-s", "--cacert", "/dev/null", new Uri(Https, "healthz").ToString());
        var plain = await Curl.RunAsync("-s", new Uri(PlainHttp, "healthz").ToString());

        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Equal("""{"status":"ok"}""", plain.Output);
    }

    [Fact]
    public async Task HttpClient_over_tls_keeps_the_connection_for_pipelined_requests()
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=localhost" },
        };
        using var client = new HttpClient(handler) { BaseAddress = Https, Timeout = TimeSpan.FromSeconds(10) };

        var key = await client.GenerateAsync("kept", "p");
        await client.AssertRevealsAsync(key, "p", "kept");
        var metrics = await client.GetStringAsync(new Uri("metrics", UriKind.Relative));

        Assert.Contains("ots_secrets_revealed_total 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_framing_error_over_tls_is_answered_then_the_connection_closes()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Https.Port);
        await using var tls = new System.Net.Security.SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate?.Subject == "CN=localhost");
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http11],
        });

        await tls.WriteAsync("POST /generate HTTP/1.1\r\nHost: ots\r\n folded: header\r\n\r\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await tls.ReadAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var response = System.Text.Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("""{"Error":"Malformed request: obsolete line folding"}""", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", false, "an https:// URL needs --https-cert and --https-key")]
    [InlineData("http://127.0.0.1:0", true, "no URL of --urls is https://")]
    public async Task Mismatched_tls_options_stop_the_start_with_one_line(string urls, bool withCertificate, string expected)
    {
        using var error = new StringWriter();
        string[] tls = withCertificate ? ["--https-cert", _pem.CertificatePath, "--https-key", _pem.KeyPath] : [];

        var edge = await EdgeHost.TryStartAsync(["--urls", urls, "--data-dir", _data.Path, .. tls], error);

        Assert.Null(edge);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_is_not_pem_stops_the_start()
    {
        var notPem = Path.Combine(_data.Path, "not.pem");
        await File.WriteAllTextAsync(notPem, "not a key");
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(
            ["--urls", "https://127.0.0.1:0", "--https-cert", _pem.CertificatePath, "--https-key", notPem, "--data-dir", _data.Path], error);

        Assert.Null(edge);
        Assert.StartsWith("ots: cannot load --https-cert/--https-key", error.ToString(), StringComparison.Ordinal);
    }
}
