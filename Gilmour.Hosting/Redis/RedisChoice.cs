namespace Gilmour.Hosting.Redis;

/// <summary>The Redis the app host runs, and why it was picked (logged at start).</summary>
public sealed record RedisChoice(RedisMode Mode, string Reason);
