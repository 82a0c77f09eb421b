using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Security.Cryptography.X509Certificates;

namespace Ots.Edge.Hosting;

/// <summary>
/// One listen URL of <c>--urls</c>, bound the way Kestrel binds URLs (<c>localhost</c> → loopback v4 and v6, an IP
/// literal → that address, any other host → every interface), but explicitly, so that an <c>https://</c> endpoint
/// gets TLS in front of the connection handler.
/// </summary>
internal sealed record ListenUrl(string Scheme, string Host, int Port)
{
    /// <summary>TLS on this endpoint.</summary>
    public bool IsHttps => Scheme == "https";

    /// <summary>
    /// Adds this endpoint to <paramref name="kestrel"/>: TLS (HTTP/1.1 only) when https, then the handler; an
    /// <paramref name="operations"/> endpoint marks its connections with <see cref="OperationsListenerFeature"/>.
    /// </summary>
    public void Listen(KestrelServerOptions kestrel, X509Certificate2? certificate, bool operations = false)
    {
        var https = IsHttps;
        void Configure(ListenOptions endpoint)
        {
            // The handler speaks HTTP/1.1 only: ALPN must not offer h2, or a client would switch to HTTP/2 after the
            // handshake and send bytes the parser rejects.
            endpoint.Protocols = HttpProtocols.Http1;
            if (https)
            {
                endpoint.UseHttps(certificate!);
            }

            if (operations)
            {
                endpoint.Use(next => connection =>
                {
                    connection.Features.Set(OperationsListenerFeature.Instance);
                    return next(connection);
                });
            }

            endpoint.UseConnectionHandler<OtsConnectionHandler>();
        }

        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(Port, Configure);
        }
        else if (IPAddress.TryParse(Host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, Port, Configure);
        }
        else
        {
            // "*", "+", "0.0.0.0"-like wildcards and host names: every interface, as Kestrel does for URLs.
            kestrel.ListenAnyIP(Port, Configure);
        }
    }
}

/// <summary>Parses the <c>;</c>-separated URLs of <c>--urls</c> / <c>ASPNETCORE_URLS</c> / <c>OTS_URLS</c>.</summary>
internal static class ListenUrls
{
    /// <summary>The URLs, or false with a line saying which one is wrong.</summary>
    public static bool TryParse(string urls, out List<ListenUrl> result, out string error)
    {
        result = [];
        error = "";
        foreach (var text in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(text);
            }
            catch (FormatException)
            {
                error = $"invalid listen URL '{text}': expected http://HOST:PORT or https://HOST:PORT";
                return false;
            }

            var scheme = address.Scheme.ToLowerInvariant();
            if (scheme is not ("http" or "https") || address.IsUnixPipe || address.IsNamedPipe)
            {
                error = $"invalid listen URL '{text}': only http:// and https:// on TCP are served";
                return false;
            }

            if (address.PathBase.Length > 0)
            {
                error = $"invalid listen URL '{text}': a path is not supported";
                return false;
            }

            result.Add(new ListenUrl(scheme, address.Host, address.Port));
        }

        if (result.Count == 0)
        {
            error = "no listen URL: give --urls http://HOST:PORT";
            return false;
        }

        return true;
    }
}

/// <summary>Marks a connection of the operations listener (<c>--metrics-urls</c>): it is answered the operations routes only.</summary>
internal sealed class OperationsListenerFeature
{
    /// <summary>The one instance: the feature carries no state.</summary>
    public static readonly OperationsListenerFeature Instance = new();

    private OperationsListenerFeature()
    {
    }
}
