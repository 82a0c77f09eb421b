using System.Net;
using System.Net.Sockets;

namespace Ots.Testing;

/// <summary>Free loopback ports, chosen by the OS.</summary>
internal static class LoopbackPort
{
    /// <summary>
    /// A port nothing listens on right now: bound to 127.0.0.1:0, read, released. Someone else can take it before
    /// we use it, so callers that bind it retry on failure.
    /// </summary>
    public static int Reserve()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
