using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// A node's credential: 32 random bytes as base64url without padding (43 characters), handed out once in the answer
/// to POST /nodes. The registry keeps only its SHA-256 (<see cref="Registry.Node.TokenHash"/>), so a copy of Redis
/// opens nothing.
/// </summary>
public static class NodeToken
{
    public const int RandomBytes = 32;
    public const int Length = 43;

    /// <summary>A fresh token and the hash to store for it.</summary>
    public static (string Token, string Hash) Issue()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));
        return (token, HashOf(token));
    }

    /// <summary>SHA-256 of the token's characters, lowercase hex: the form stored as <c>token_hash</c>.</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    /// <summary>Whether the text could be a token at all: its length and alphabet, nothing secret.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        if (text.Length != Length) return false;
        foreach (var c in text)
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_') return false;
        return true;
    }

    /// <summary>Whether <paramref name="tokenHash"/> (from <see cref="HashOf"/>) is <paramref name="storedHash"/>, in constant time.</summary>
    public static bool Matches(string tokenHash, string? storedHash) =>
        storedHash is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(tokenHash), Encoding.ASCII.GetBytes(storedHash));
}
