using System.Globalization;
using System.Net;
using System.Text;
using Ots.Edge.Hosting;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// <c>--metrics-urls</c>: an operations listener of its own for <c>/metrics</c> and the probes, so that the metrics
/// need not be reachable where the API is. The public listener then answers <c>/metrics</c> 404, and the operations
/// listener everything but its three routes.
/// </summary>
public sealed class MetricsListenerTests
{
    [Fact]
    public async Task Metrics_and_probes_move_to_the_operations_listener_and_the_api_stays_public()
    {
        var operationsPort = LoopbackPort.Reserve();
        await using var server = await EdgeServer.StartAsync(new EdgeServerOptions
        {
            Arguments = ["--metrics-urls", "http://127.0.0.1:" + operationsPort.ToString(CultureInfo.InvariantCulture)],
        });
        using var publicClient = new HttpClient { BaseAddress = server.BaseUri };
        using var operations = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + operationsPort.ToString(CultureInfo.InvariantCulture) + "/") };

        // The API on the public listener, and its metrics are not there.
        var key = await publicClient.GenerateAsync("s", "p");
        await publicClient.AssertRevealsAsync(key, "p", "s");
        await AssertAnswersAsync(publicClient, HttpMethod.Get, "metrics", HttpStatusCode.NotFound, """{"Error":"Not found"}""");
        await AssertAnswersAsync(publicClient, HttpMethod.Get, "healthz", HttpStatusCode.OK, null);

        // The operations listener: metrics (counting the public traffic) and probes...
        using (var metrics = await operations.GetAsync(new Uri("metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            var text = PrometheusText.Parse(await metrics.Content.ReadAsStringAsync());
            Assert.Equal(1, text.Value("ots_secrets_created_total"));
            Assert.Equal(1, text.Value("ots_secrets_revealed_total"));
        }

        await AssertAnswersAsync(operations, HttpMethod.Get, "healthz", HttpStatusCode.OK, null);
        await AssertAnswersAsync(operations, HttpMethod.Get, "readyz", HttpStatusCode.OK, null);

        // ...and nothing else: no API, no contract.
        await AssertAnswersAsync(operations, HttpMethod.Post, "generate", HttpStatusCode.NotFound, """{"Error":"Not found"}""", Http.GenerateBody("s", "p"));
        await AssertAnswersAsync(operations, HttpMethod.Post, "secrets/" + key, HttpStatusCode.NotFound, """{"Error":"Not found"}""", Http.RevealBody("p"));
        await AssertAnswersAsync(operations, HttpMethod.Get, "openapi.yaml", HttpStatusCode.NotFound, """{"Error":"Not found"}""");
    }

    [Theory]
    [InlineData("https://127.0.0.1:9999", "--metrics-urls takes http:// URLs only")]
    [InlineData("ftp://127.0.0.1:9999", "--metrics-urls: invalid listen URL")]
    public async Task A_bad_operations_url_stops_the_start_with_one_line(string url, string expected)
    {
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", "--metrics-urls", url], error);

        Assert.Null(edge);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    private static async Task AssertAnswersAsync(HttpClient client, HttpMethod method, string path, HttpStatusCode status, string? body, string? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (content is not null)
        {
            request.Content = new StringContent(content, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        if (body is not null)
        {
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
        }
    }
}
