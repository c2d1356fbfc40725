using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gilmour.Testing;

/// <summary>
/// A real nginx reverse proxy in front of one upstream, as an ingress stands in front of the control API: listens
/// on a free port of 127.0.0.1, connects upstream from <see cref="UpstreamFrom"/> (so the upstream sees another peer
/// than the client's), and appends the client's address to X-Forwarded-For. Everything it writes (configuration,
/// pid, logs, temp files) lives in a temp directory of its own, removed with the process on dispose.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public IPAddress UpstreamFrom { get; }
    public string Directory { get; }

    /// <summary>What nginx logged; the access log shows each request's client and the X-Forwarded-For it sent upstream.</summary>
    public string Logs => string.Join("\n", new[] { "error.log", "access.log" }.Select(name =>
        $"===== nginx {name} =====\n{(File.Exists(Path.Combine(Directory, name)) ? File.ReadAllText(Path.Combine(Directory, name)) : "")}"));

    private NginxServer(Process process, int port, IPAddress upstreamFrom, string directory)
    {
        _process = process;
        Port = port;
        UpstreamFrom = upstreamFrom;
        Directory = directory;
    }

    /// <param name="upstream">Where to pass every request, for example http://127.0.0.1:5080.</param>
    /// <param name="upstreamFrom">The loopback address nginx connects upstream from (proxy_bind).</param>
    public static async Task<NginxServer> StartAsync(Uri upstream, IPAddress upstreamFrom)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("gilmour-nginx-").FullName;
        var port = FreePort.Next();
        var configuration = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configuration, Configuration(directory, port, upstream, upstreamFrom));

        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-c", configuration, "-p", directory, "-e", Path.Combine(directory, "error.log"), "-g", "daemon off;" })
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException("nginx is not installed (apt-get install nginx)", e);
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var nginx = new NginxServer(process, port, upstreamFrom, directory);
        try
        {
            await nginx.WaitListeningAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
        return nginx;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException) { }
    }

    /// <summary>nginx on the PATH, or where Debian puts it (/usr/sbin, not on every user's PATH).</summary>
    private static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "nginx")).FirstOrDefault(File.Exists) ?? "nginx";

    private static string Configuration(string directory, int port, Uri upstream, IPAddress upstreamFrom) => $$"""
        # Started as root, nginx would run its worker as nobody, which may not write the temp paths here.
        {{(Environment.UserName == "root" ? "user root;" : "")}}
        worker_processes 1;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log info;
        events { worker_connections 256; }
        http {
            log_format forwarded '$remote_addr "$proxy_add_x_forwarded_for" "$request" $status';
            access_log {{directory}}/access.log forwarded;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;
            server {
                listen 127.0.0.1:{{port}};
                location / {
                    proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}};
                    proxy_bind {{upstreamFrom}};
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    # Long-lived answers (a blocking request, an event stream) pass as they come.
                    proxy_buffering off;
                    proxy_request_buffering off;
                    proxy_read_timeout 3600s;
                }
            }
        }
        """;

    private async Task WaitListeningAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"nginx exited with code {_process.ExitCode}:\n{Logs}");
            }
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"nginx did not listen on port {Port} within {limit}:\n{Logs}");
            await Task.Delay(20);
        }
    }
}
