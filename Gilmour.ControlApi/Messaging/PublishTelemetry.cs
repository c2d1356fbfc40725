using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// Spans and metrics of POST /request and /signal. A publish span is a child of the ASP.NET Core server span (which
/// continues an incoming <c>traceparent</c>), and its id is the <c>traceparent</c> the Gilmour message carries, so the
/// Dispatcher's delivery span and the node's handler join the same trace. Names follow the OpenTelemetry messaging
/// semantic conventions; what they do not cover is under <c>gilmour.*</c>.
/// </summary>
public sealed class PublishTelemetry
{
    public const string SourceName = "Gilmour.ControlApi";

    public const string SentMessages = "messaging.client.sent.messages";
    public const string OperationDuration = "messaging.client.operation.duration";

    public const string RequestOperation = "request";
    public const string SignalOperation = "signal";

    /// <summary>The destination reported for a composition: its topics are on the stage spans.</summary>
    public const string CompositionDestination = "(composition)";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly Counter<long> _sent;
    private readonly Histogram<double> _duration;

    public PublishTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(SourceName);
        _sent = meter.CreateCounter<long>(SentMessages, "{message}",
            "Gilmour requests and signals published through the control API, by topic and code");
        _duration = meter.CreateHistogram(OperationDuration, "s",
            "Time from publishing a Gilmour request (or composition) to its reply",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    /// <summary>The span of one publish; <paramref name="topic"/> is the topic, or a composition's placeholder.</summary>
    public static Activity? Start(string operation, string topic, string nodeId)
    {
        var activity = Source.StartActivity($"{operation} {topic}", ActivityKind.Producer);
        if (activity is null) return null;
        activity.SetTag("messaging.system", "gilmour");
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("gilmour.topic", topic);
        activity.SetTag("gilmour.node.id", nodeId);
        return activity;
    }

    /// <summary>Closes a request's span with the reply's code and counts it.</summary>
    public void RecordRequest(Activity? activity, string topic, int code, TimeSpan elapsed)
    {
        Close(activity, code);
        var tags = Tags(RequestOperation, topic, code);
        _sent.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Ends a span with the reply's code; Gilmour's codes are HTTP's, so 3xx and above are failures.</summary>
    public static void Close(Activity? activity, int code)
    {
        activity?.SetTag("gilmour.code", code);
        if (code >= 300) activity?.SetStatus(ActivityStatusCode.Error, $"code {code}");
    }

    /// <summary>Counts a published signal (code 200: published; slots answer nothing).</summary>
    public void RecordSignal(Activity? activity, string topic, string sender)
    {
        activity?.SetTag("gilmour.sender", sender);
        activity?.SetTag("gilmour.code", 200);
        _sent.Add(1, Tags(SignalOperation, topic, 200));
    }

    private static TagList Tags(string operation, string topic, int code) => new()
    {
        { "messaging.system", "gilmour" },
        { "messaging.operation.name", operation },
        { "messaging.destination.name", topic },
        { "gilmour.code", code },
    };
}
