namespace Gilmour.Garnet;

/// <summary>
/// Garnet's command line as the proxy needs it: what the caller gave (port, bind address, memory sizes), plus Lua
/// scripting, which Garnet leaves off by default and Redis always has.
/// </summary>
public sealed record GarnetArguments(IReadOnlyList<string> Given)
{
    public const string EnableLua = "--lua";

    public string[] ForServer() => Given.Contains(EnableLua) ? [.. Given] : [.. Given, EnableLua];
}
