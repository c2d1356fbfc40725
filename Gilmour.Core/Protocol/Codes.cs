namespace Gilmour.Protocol;

/// <summary>Gilmour's HTTP-like result codes and the texts that go with them.</summary>
public static class Codes
{
    public const int Ok = 200;
    public const int NoSubscriber = 404;
    public const int TimedOut = 499;
    public const int HandlerFailed = 500;
    public const int Unreachable = 502;

    public const string TimedOutText = "Execution timed out";
    public const string NoSubscriberText = "No active listeners for: ";

    public static bool IsError(int code) => code >= 300;
}
