using System.Diagnostics;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A real nginx on a free loopback port in front of one or more ControlApis, as the ingress of a deployment that
/// exposes a single public URL: the settings a Server-Sent Events stream needs through it (no buffering, a long read
/// timeout, HTTP/1.1 keep-alive upstream). Its config, pid and temp files live in a directory of its own.
/// </summary>
public sealed class StreamIngress : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private StreamIngress(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public static async Task<StreamIngress> StartAsync(IEnumerable<Uri> upstreams)
    {
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("gilmour-nginx-").FullName;
        var servers = string.Concat(upstreams.Select(u => $"    server {u.Host}:{u.Port};\n"));
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 512; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              upstream controlapi {
            {{servers}}    keepalive 16;
              }
              server {
                listen 127.0.0.1:{{port}};
                client_max_body_size 2m;
                location / {
                  proxy_pass http://controlapi;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $host;
                  # Events must reach the node as they are written, and an idle stream must not time out.
                  proxy_buffering off;
                  proxy_read_timeout 1h;
                }
              }
            }
            """);
        var info = new ProcessStartInfo("nginx") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", Path.Combine(directory, "nginx.conf"), "-p", directory, "-g", "daemon off;" })
            info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start (is it installed?)");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var ingress = new StreamIngress(process, directory, port);
        await ingress.WaitListeningAsync(TimeSpan.FromSeconds(10));
        return ingress;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitListeningAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"nginx exited with code {_process.ExitCode}: {ErrorLog()}");
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync(BaseAddress.Host, BaseAddress.Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    private string ErrorLog()
    {
        var log = Path.Combine(_directory, "error.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no error log)";
    }
}
