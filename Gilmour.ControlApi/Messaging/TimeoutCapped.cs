using System.Globalization;

namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// Header <c>Gilmour-Timeout-Capped</c>: present when a request asked for a timeout above MaxRequestTimeoutSeconds,
/// holding the seconds it waited at most instead (the body says the same in <c>timeout_capped</c>).
/// </summary>
public static class TimeoutCapped
{
    public const string Header = "Gilmour-Timeout-Capped";

    public static string Format(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
