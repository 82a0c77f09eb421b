namespace Ots.Edge.Tests.Infrastructure;

/// <summary>One request on a fresh connection, for tests that do not care about the connection.</summary>
public static class Exchange
{
    /// <summary>Sends <paramref name="request"/> (raw HTTP) and reads one response.</summary>
    public static async Task<RawResponse> SendAsync(EdgeServer server, string request, bool toHead = false)
    {
        await using var connection = await RawHttpConnection.OpenAsync(server);
        await connection.SendAsync(request);
        return await connection.ReadResponseAsync(toHead);
    }

    /// <summary><c>GET /metrics</c>, parsed.</summary>
    public static async Task<PrometheusText> ScrapeAsync(EdgeServer server)
    {
        var response = await SendAsync(server, Http.Get("/metrics"));
        Assert.Equal(200, response.Status);
        return PrometheusText.Parse(response.BodyText);
    }
}
