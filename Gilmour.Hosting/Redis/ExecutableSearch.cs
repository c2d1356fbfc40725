namespace Gilmour.Hosting.Redis;

/// <summary>Finds a program on the PATH the way a shell would, without running it.</summary>
public static class ExecutableSearch
{
    public static string? OnPath(string program, string? path = null)
    {
        path ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        if (OperatingSystem.IsWindows() && !Path.HasExtension(program)) program += ".exe";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
