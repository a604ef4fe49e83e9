using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Cdp.Azure;

/// <summary>
/// Builds credentials the way the Functions host does for identity-based connections: a connection prefix
/// whose <c>__clientId</c> names a user-assigned managed identity, else <see cref="DefaultAzureCredential"/>.
/// </summary>
public static class AzureConnections
{
    public static TokenCredential CredentialFor(IConfiguration configuration, string connection)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(connection);
        var clientId = section["clientId"];
        return section["credential"] == "managedidentity" || !string.IsNullOrEmpty(clientId)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }

    /// <summary>The setting <c>{connection}__{property}</c>, or a clear error naming it.</summary>
    public static string Required(IConfiguration configuration, string connection, string property)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration.GetSection(connection)[property];
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The setting '{connection}__{property}' is required.")
            : value;
    }
}
