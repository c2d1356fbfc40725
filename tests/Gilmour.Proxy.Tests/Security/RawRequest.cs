using System.Net.Sockets;
using System.Text;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// An HTTP/1.1 request written byte for byte on a TCP connection, for what HttpClient will not send (two
/// Authorization header lines, say). Returns the status and the body of the answer.
/// </summary>
public static class RawRequest
{
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string path, IEnumerable<string> headerLines)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var line in headerLines) request.Append(line).Append("\r\n");
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync();
        var status = int.Parse(answer.Split(' ', 3)[1]);
        var headerEnd = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = answer[..headerEnd];
        var body = answer[(headerEnd + 4)..];
        // Kestrel answers a small body in one chunk when it knows no length: size line, data, end.
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var text = new StringBuilder();
            var rest = body;
            while (true)
            {
                var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
                var size = Convert.ToInt32(rest[..lineEnd], 16);
                if (size == 0) break;
                text.Append(rest.AsSpan(lineEnd + 2, size));
                rest = rest[(lineEnd + 2 + size + 2)..];
            }
            body = text.ToString();
        }
        return (status, body);
    }
}
