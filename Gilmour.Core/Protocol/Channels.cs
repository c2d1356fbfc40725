namespace Gilmour.Protocol;

/// <summary>
/// Every Redis channel and key name of the Gilmour protocol (docs/design.md, "The Gilmour wire protocol"), spelled once.
/// </summary>
public static class Channels
{
    public const string Prefix = "gilmour.";
    public const string RequestPrefix = "gilmour.request.";
    public const string SlotPrefix = "gilmour.slot.";
    public const string ResponsePrefix = "gilmour.response.";
    public const string HealthPrefix = "gilmour.health.";

    /// <summary>Ruby publishes error reports here (the proxy's "publish" policy).</summary>
    public const string ErrorChannel = "gilmour.error";

    /// <summary>Go's "queue" policy: LPUSH then LTRIM 0 9999.</summary>
    public const string ErrorQueue = "gilmour.errorqueue";
    public const int ErrorQueueLength = 10_000;

    /// <summary>Hash of process idents that answer health pings.</summary>
    public const string KnownHostHealth = "gilmour.known_host.health";

    /// <summary>The exclusion group every health responder uses.</summary>
    public const string HealthGroup = "exclusive";

    public static string Request(string topic) => Qualify(RequestPrefix, topic);
    public static string Slot(string topic) => Qualify(SlotPrefix, topic);
    public static string Response(string sender) => ResponsePrefix + sender;
    public static string Health(string ident) => HealthPrefix + ident;

    /// <summary>Go's rule: a topic that already starts with "gilmour." is used as is.</summary>
    private static string Qualify(string prefix, string topic) =>
        topic.StartsWith(Prefix, StringComparison.Ordinal) ? topic : prefix + topic;

    /// <summary>A topic with '*' anywhere is a Redis pattern (Ruby's rule; Go's "ends with *" is a subset).</summary>
    public static bool IsPattern(string topic) => topic.Contains('*');

    /// <summary>The topic a publisher sent to, without the gilmour.request. / gilmour.slot. prefix.</summary>
    public static string TopicOf(string channel) =>
        channel.StartsWith(RequestPrefix, StringComparison.Ordinal) ? channel[RequestPrefix.Length..]
        : channel.StartsWith(SlotPrefix, StringComparison.Ordinal) ? channel[SlotPrefix.Length..]
        : channel;
}
