namespace Gilmour.Testing;

/// <summary>
/// Which process holds the client end of a TCP connection on this machine, read from /proc (Linux): lets a test tell
/// which of its processes called one of its servers without the call saying so.
/// </summary>
public static class SocketOwner
{
    /// <summary>
    /// The one of <paramref name="candidates"/> whose open socket connects from <paramref name="clientPort"/> to
    /// <paramref name="serverPort"/>; null when none does (another process holds it, or it is closed already).
    /// </summary>
    public static int? Find(int clientPort, int serverPort, IEnumerable<int> candidates)
    {
        var inode = Inode(clientPort, serverPort);
        if (inode is null) return null;
        var link = $"socket:[{inode}]";
        foreach (var pid in candidates)
        {
            try
            {
                foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    try
                    {
                        if (new FileInfo(descriptor).LinkTarget == link) return pid;
                    }
                    catch (IOException)
                    {
                        // Closed while listed.
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited, or not ours to read.
            }
        }
        return null;
    }

    /// <summary>The inode of the socket whose local port is <paramref name="clientPort"/> and remote port <paramref name="serverPort"/>.</summary>
    private static string? Inode(int clientPort, int serverPort)
    {
        // A .NET client's socket is dual-mode IPv6 even when it calls 127.0.0.1, so it is listed in tcp6.
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && Port(fields[1]) == clientPort && Port(fields[2]) == serverPort && fields[9] != "0")
                    return fields[9];
            }
        }
        return null;
    }

    /// <summary>The port of an address as /proc lists it ("0100007F:1F90", hexadecimal).</summary>
    private static int Port(string address) => Convert.ToInt32(address[(address.LastIndexOf(':') + 1)..], 16);
}
