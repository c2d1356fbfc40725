namespace Gilmour.Hosting;

/// <summary>
/// The names of the bus's own resources. Fixed, so that service discovery names the control API the way every
/// client reads it (<c>services__controlapi__http__0</c>); one bus per app host.
/// </summary>
public static class GilmourResourceNames
{
    public const string ControlApi = "controlapi";
    public const string Dispatcher = "dispatcher";
    public const string HealthMonitor = "healthmonitor";
    public const string Redis = Gilmour.Hosting.Redis.RedisBackbone.Name;
}
