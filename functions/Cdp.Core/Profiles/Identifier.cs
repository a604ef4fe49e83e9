namespace Cdp.Core.Profiles;

/// <summary>
/// A (type, normalized value) pair that names a person, such as <c>user_id:42</c> or <c>email:ada@example.com</c>.
/// Read from messages and hashed for the identity index by the identity rules; a profile holds its identifiers.
/// </summary>
public sealed record Identifier(string Type, string Value)
{
    /// <summary>The identifier as text: <c>{type}:{value}</c>.</summary>
    public override string ToString() => $"{Type}:{Value}";
}
