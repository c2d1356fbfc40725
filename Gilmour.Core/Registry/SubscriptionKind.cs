namespace Gilmour.Registry;

/// <summary>
/// What a subscription of a node does. A slot takes signals on <c>gilmour.slot.&lt;topic&gt;</c> (its topic may be a
/// wildcard, its exclusion group is optional, nothing is replied); a service answers requests on
/// <c>gilmour.request.&lt;topic&gt;</c> (concrete topic, exclusion group required, its answer is the reply).
/// </summary>
public enum SubscriptionKind
{
    Slot,
    Service,
}

public static class SubscriptionKindText
{
    /// <summary>"slot" or "service", as messages and the API's field names say it.</summary>
    public static string Noun(this SubscriptionKind kind) => kind == SubscriptionKind.Slot ? "slot" : "service";
}
