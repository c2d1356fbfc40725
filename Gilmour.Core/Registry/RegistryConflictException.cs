namespace Gilmour.Registry;

/// <summary>
/// A registry write lost the optimistic race on the same node <see cref="Attempts"/> times in a row: the node is
/// being changed faster than this writer can read and write it. Nothing was written by this call.
/// </summary>
public sealed class RegistryConflictException(string id, int attempts)
    : Exception($"node {id} kept changing concurrently; gave up after {attempts} attempts")
{
    public string Id { get; } = id;
    public int Attempts { get; } = attempts;
}
