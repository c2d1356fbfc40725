using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Responding;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// Hands one Gilmour message to a node over HTTP (docs/api.md, "What a node receives"): POST
/// <c>{topic, sender, data, timeout}</c> to the subscription's path. The node is the member a
/// <see cref="SubscriptionRoute"/> picked, after its Responder took the exclusion lock; the Responder's token fires at
/// the subscription's timeout: cancelling the request then aborts the connection, so the node's late answer fails to
/// write, and the Responder replies 499. A node that dials out gets its deliveries down its stream instead
/// (<see cref="StreamDelivery"/>).
/// </summary>
public sealed partial class NodeDelivery(IHttpClientFactory httpClients, DeliveryClaims claims, StreamDelivery stream,
    DeliveryTelemetry telemetry, ILogger<NodeDelivery> logger)
{
    internal const string HttpClientName = "node-delivery";

    private static readonly JsonElement EmptyText = Text("");
    private static readonly Func<ILogger, string, string, string, IDisposable?> DeliveryScope =
        LoggerMessage.DefineScope<string, string, string>("NodeId:{NodeId} Topic:{Topic} Sender:{Sender}");

    private readonly IHttpClientFactory _httpClients = httpClients;
    private readonly DeliveryClaims _claims = claims;
    private readonly DeliveryTelemetry _telemetry = telemetry;
    private readonly ILogger<NodeDelivery> _logger = logger;

    /// <summary>
    /// A request to a service: the node's body becomes the reply's data (JSON when it parses, else the text) and its
    /// HTTP status the code. A node that cannot be reached gives 502 with a message saying where and why.
    /// </summary>
    public async Task<Reply> RequestAsync(ProxiedNode node, Subscription service, IncomingMessage message, CancellationToken timeout)
    {
        using var scope = DeliveryScope(_logger, node.Id, message.Topic, message.Message.Sender);
        if (node.Current.Transport == NodeTransport.Stream) return await stream.RequestAsync(node, service, message, timeout);
        var address = node.Current.Address(service.Path);
        try
        {
            var (status, body) = await PostAsync(node, address, service, message, timeout);
            return new Reply(AsData(body), status);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Refused, unresolvable, reset, or cut off in the middle of the answer.
            LogUnreachable(e, node.Id, address);
            return new Reply(Text($"node {node.Id} unreachable at {address}: {e.Message}"), Codes.Unreachable);
        }
    }

    /// <summary>
    /// A signal to a slot. An ungrouped slot is claimed first (<see cref="DeliveryClaims"/>), so that only one
    /// dispatcher replica delivers it (a grouped one is already exactly-once through the Gilmour lock). Anything but
    /// a 2xx answer throws, which the Responder reports on the error channel.
    /// </summary>
    public async Task SignalAsync(ProxiedNode node, Subscription slot, IncomingMessage message, CancellationToken timeout)
    {
        using var scope = DeliveryScope(_logger, node.Id, message.Topic, message.Message.Sender);
        // A payload without a sender (a bare Ruby value) cannot be told apart from the next one: claiming it would
        // silence every later one for the claim's lifetime, so it is delivered by each replica instead.
        if (slot.Group is null && message.Message.Sender.Length > 0)
        {
            var claim = RegistryKeys.DeliveryClaim(message.Message.Sender, node.Id, slot.Path);
            if (!await _claims.TryClaimAsync(claim, timeout))
            {
                LogClaimedElsewhere(node.Id, slot.Path);
                return;
            }
        }

        if (node.Current.Transport == NodeTransport.Stream)
        {
            await stream.SignalAsync(node, slot, message, timeout);
            return;
        }
        var address = node.Current.Address(slot.Path);
        int status;
        byte[] body;
        try
        {
            (status, body) = await PostAsync(node, address, slot, message, timeout);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new NodeDeliveryException($"node {node.Id} unreachable at {address}: {e.Message}", e);
        }
        if (status is < 200 or > 299)
            throw new NodeDeliveryException($"node {node.Id} answered {status} at {address}: {Encoding.UTF8.GetString(body)}");
    }

    private async Task<(int Status, byte[] Body)> PostAsync(ProxiedNode node, Uri address, Subscription subscription,
        IncomingMessage message, CancellationToken timeout)
    {
        using var activity = DeliveryTelemetry.Start(node, subscription, address, message);
        _telemetry.Entered(node);
        try
        {
            // Beyond the node's max_concurrency a delivery waits for a free place, within its own timeout: it then
            // ends as 499 like any other late one, never dropped silently.
            using (await node.Capacity.EnterAsync(timeout))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = Body(message, subscription.Timeout) };
                using var response = await _httpClients.CreateClient(HttpClientName).SendAsync(request, timeout);
                var body = await response.Content.ReadAsByteArrayAsync(timeout);
                var status = (int)response.StatusCode;
                activity?.SetTag("http.response.status_code", status);
                _telemetry.Record(activity, node, DeliveryTelemetry.Answered, status);
                LogDelivered(node.Id, address, status);
                return (status, body);
            }
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            // Whatever the cut connection threw, the subscription's timeout ended it: the Responder replies 499.
            _telemetry.Record(activity, node, DeliveryTelemetry.TimedOut, Codes.TimedOut);
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            _telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
            throw;
        }
        finally
        {
            _telemetry.Left(node);
        }
    }

    private static ReadOnlyMemoryContent Body(IncomingMessage message, int timeoutSeconds)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + JsonValueSize.Of(message.Message.Data) + message.Topic.Length + message.Message.Sender.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topic"u8, message.Topic);
            writer.WriteString("sender"u8, message.Message.Sender);
            writer.WritePropertyName("data"u8);
            if (message.Message.Data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
            else message.Message.Data.WriteTo(writer);
            writer.WriteNumber("timeout"u8, timeoutSeconds);
            writer.WriteEndObject();
        }
        var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>The node's body as reply data: the JSON it holds when it parses, else the body as a JSON string.</summary>
    /// <remarks>
    /// The reply keeps the body's array (this delivery's own) rather than a copy of it, and leaves its document undisposed
    /// so that the collector, not the shared pool, takes back the index it rented (see MessageCodec.Decode).
    /// </remarks>
    internal static JsonElement AsData(byte[] body)
    {
        if (body.Length == 0) return EmptyText;
        try
        {
            return JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return Text(Encoding.UTF8.GetString(body));
        }
    }

    private static JsonElement Text(string text) => JsonSerializer.SerializeToElement(text, GilmourJson.Default.String);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} answered {Status} at {Address}")]
    private partial void LogDelivered(string nodeId, Uri address, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot delivery to node {NodeId} at {Path} claimed by another dispatcher")]
    private partial void LogClaimedElsewhere(string nodeId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} unreachable at {Address}")]
    private partial void LogUnreachable(Exception exception, string nodeId, Uri address);
}
