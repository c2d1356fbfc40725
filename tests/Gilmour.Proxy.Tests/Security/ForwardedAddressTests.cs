using System.Net;
using System.Net.Sockets;
using Gilmour.ControlApi;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Registration;
using Gilmour.ControlApi.Security;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// How the forwarding headers, the trusted proxies and the allow-list are read, entry by entry. The peer is a real
/// TCP connection on loopback, from the address each case needs.
/// </summary>
public sealed class ForwardedAddressTests
{
    [Theory]
    [InlineData("192.0.2.60", "192.0.2.60")]
    [InlineData(" 192.0.2.60:4711 ", "192.0.2.60")]
    [InlineData("2001:db8::17", "2001:db8::17")]
    [InlineData("[2001:db8::17]", "2001:db8::17")]
    [InlineData("[2001:db8::17]:4711", "2001:db8::17")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("unknown", null)]
    [InlineData("_hidden", null)]
    [InlineData("node.example", null)]
    [InlineData("10", null)]
    [InlineData("10.1", null)]
    [InlineData("192.0.2.60:", null)]
    [InlineData("192.0.2.60:x", null)]
    [InlineData("[2001:db8::17", null)]
    [InlineData("fe80::1%eth0", null)]
    [InlineData("", null)]
    public void A_forwarded_node_name_is_read_as_an_address_or_not_at_all(string entry, string? expected) =>
        Assert.Equal(expected, ForwardedEntries.AddressOf(entry)?.ToString());

    [Theory]
    [InlineData(new[] { "203.0.113.7" }, "203.0.113.7")]
    [InlineData(new[] { "127.0.0.9, 203.0.113.7" }, "203.0.113.7")]
    [InlineData(new[] { "127.0.0.9", "198.51.100.1, 203.0.113.7" }, "203.0.113.7")]
    [InlineData(new[] { "127.0.0.9, " }, "")]
    [InlineData(new string[0], null)]
    public void Only_the_rightmost_x_forwarded_for_entry_is_taken(string[] lines, string? expected) =>
        Assert.Equal(expected, ForwardedEntries.RightmostForwardedFor(lines));

    [Theory]
    [InlineData(new[] { "for=203.0.113.7" }, "203.0.113.7")]
    [InlineData(new[] { "for=127.0.0.9, for=203.0.113.7;proto=http" }, "203.0.113.7")]
    [InlineData(new[] { "for=127.0.0.9", "proto=https;For=\"[2001:db8::17]:4711\"" }, "[2001:db8::17]:4711")]
    [InlineData(new[] { "for=\"127.0.0.9, for=1.2.3.4\";by=x, for=203.0.113.7" }, "203.0.113.7")]
    [InlineData(new[] { "for=203.0.113.7, proto=http" }, "")]
    [InlineData(new string[0], null)]
    public void Only_the_for_of_the_rightmost_forwarded_element_is_taken(string[] lines, string? expected) =>
        Assert.Equal(expected, ForwardedEntries.RightmostForwardedElementFor(lines));

    [Theory]
    [InlineData("10.0.0.5", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData(" 10.0.0.0/8 ", true)]
    [InlineData("10.0.0.1/8", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("10.0.0.0/", false)]
    [InlineData("10.0.0.0/+8", false)]
    [InlineData("10/8", false)]
    [InlineData("proxy.internal", false)]
    [InlineData("", false)]
    public void Trusted_proxies_are_addresses_or_cidr_ranges(string entry, bool valid) =>
        Assert.Equal(valid, AddressRanges.TryParse(entry, out _));

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("node-7.internal", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("10.0.0.1/8", false)]
    [InlineData("node.internal/8", false)]
    [InlineData("bad host", false)]
    [InlineData("", false)]
    public void Allowed_node_hosts_are_names_addresses_or_cidr_ranges(string entry, bool valid) =>
        Assert.Equal(valid, CallbackHost.IsAllowListEntry(entry));

    [Theory]
    [InlineData("127.0.0.3", "127.0.0.9, 127.0.0.2", "X-Forwarded-For", "127.0.0.2")]
    [InlineData("127.0.0.4", "127.0.0.2", "X-Forwarded-For", "127.0.0.4")]
    [InlineData("127.0.0.3", null, "X-Forwarded-For", "127.0.0.3")]
    [InlineData("127.0.0.5", "127.0.0.2", "X-Forwarded-For", "127.0.0.2")]
    [InlineData("127.0.0.3", "for=127.0.0.9, for=\"[::1]:80\"", "Forwarded", "::1")]
    public async Task The_client_is_the_peer_unless_the_peer_is_a_trusted_proxy(string peer, string? forwarded, string header, string expected)
    {
        var address = new ClientAddress(Options(header, trusted: ["127.0.0.3", "127.0.0.5/32"]));
        await using var connection = await PeerConnection.OpenAsync(IPAddress.Parse(peer));
        var context = connection.Context;
        if (forwarded is not null) context.Request.Headers[header] = forwarded;
        // Whichever header the proxy does not write comes from the client and is ignored.
        context.Request.Headers[header == "Forwarded" ? "X-Forwarded-For" : "Forwarded"] = "127.0.0.9";

        Assert.Equal(expected, address.Of(context).ToString());
    }

    [Fact]
    public async Task A_trusted_proxy_that_forwards_no_address_is_refused_with_a_message()
    {
        var address = new ClientAddress(Options("Forwarded", trusted: ["127.0.0.0/29"]));
        await using var connection = await PeerConnection.OpenAsync(IPAddress.Parse("127.0.0.3"));
        connection.Context.Request.Headers["Forwarded"] = "for=127.0.0.9, proto=https";

        var refused = Assert.Throws<InvalidInputException>(() => address.Of(connection.Context));

        Assert.Contains("Forwarded", refused.Message);
    }

    [Fact]
    public void Without_a_tcp_peer_the_address_is_unknown()
    {
        var refused = Assert.Throws<InvalidInputException>(() => new ClientAddress(Options("X-Forwarded-For", [])).Of(new DefaultHttpContext()));

        Assert.Contains("address is unknown", refused.Message);
    }

    private static IOptions<ControlApiOptions> Options(string header, string[] trusted) =>
        Microsoft.Extensions.Options.Options.Create(new ControlApiOptions { ForwardedHeader = header, TrustedProxies = trusted });

    /// <summary>A TCP connection on loopback from a chosen address, and a request context whose peer it is.</summary>
    private sealed class PeerConnection : IAsyncDisposable, IConnectionSocketFeature
    {
        private readonly TcpListener _listener;
        private readonly Socket _client;

        public Socket Socket { get; }
        public DefaultHttpContext Context { get; } = new();

        private PeerConnection(TcpListener listener, Socket client, Socket accepted)
        {
            _listener = listener;
            _client = client;
            Socket = accepted;
            Context.Features.Set<IConnectionSocketFeature>(this);
        }

        public static async Task<PeerConnection> OpenAsync(IPAddress from)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Bind(new IPEndPoint(from, 0));
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            return new PeerConnection(listener, client, await listener.AcceptSocketAsync());
        }

        public ValueTask DisposeAsync()
        {
            Socket.Dispose();
            _client.Dispose();
            _listener.Stop();
            return ValueTask.CompletedTask;
        }
    }
}
