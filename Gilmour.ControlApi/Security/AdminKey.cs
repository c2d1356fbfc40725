using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gilmour.ControlApi.Security;

/// <summary>What a request's <c>X-Api-Key</c> header amounts to.</summary>
public enum AdminKeyPresented
{
    Absent,
    Empty,
    Wrong,
    Right,
}

/// <summary>
/// The operator's key (<see cref="ControlApiOptions.ApiKey"/>), sent as header <c>X-Api-Key</c>. Setting it puts the
/// API in its secured posture (<see cref="AccessCheck"/>).
/// </summary>
public sealed class AdminKey(IOptions<ControlApiOptions> options)
{
    public const string Header = "X-Api-Key";

    // Hashing both sides gives equal lengths, so the comparison time reveals neither the key nor its length.
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Hash(options.Value.ApiKey);

    public bool IsSet => _expected is not null;

    public AdminKeyPresented Check(StringValues given)
    {
        if (given.Count == 0) return AdminKeyPresented.Absent;
        if (given.Count > 1) return AdminKeyPresented.Wrong;
        if (string.IsNullOrEmpty(given[0])) return AdminKeyPresented.Empty;
        return _expected is not null && CryptographicOperations.FixedTimeEquals(Hash(given[0]!), _expected)
            ? AdminKeyPresented.Right
            : AdminKeyPresented.Wrong;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
