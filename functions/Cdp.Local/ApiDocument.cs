using System.Globalization;
using System.Text.Json.Nodes;
using Cdp.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Cdp.Local;

/// <summary>Who may call an endpoint, as its OpenAPI document says (endpoint metadata; the last one given counts).</summary>
public enum ApiAccess
{
    /// <summary>Anyone (health, the API description).</summary>
    Open,

    /// <summary>A source's write key (collection).</summary>
    WriteKey,

    /// <summary>The admin API.</summary>
    Admin,
}

/// <summary>
/// The OpenAPI 3.1 description of the API, generated from the endpoints Cdp.Local maps (Microsoft.AspNetCore.OpenApi) and
/// the metadata each one carries: two documents that differ only in servers and in how callers authenticate, this host's
/// (served at <see cref="DocumentPath"/>, with a reference page at <see cref="ReferencePath"/>) and the Function App's
/// (the same routes and handlers; checked in as <c>docs/openapi/function-app.json</c>, and a test keeps both files equal
/// to what the code generates).
/// </summary>
public static class ApiDocument
{
    public const string Local = "cdp-local";
    public const string FunctionApp = "cdp-function-app";
    public const string DocumentPath = "/" + CdpRoutes.Prefix + "/openapi.json";
    public const string DocumentsPattern = "/" + CdpRoutes.Prefix + "/openapi/{documentName}.json";
    public const string ReferencePath = "/" + CdpRoutes.Prefix + "/reference";

    private const string WriteKeyScheme = "writeKey";
    private const string AdminTokenScheme = "adminToken";
    private const string FunctionKeyScheme = "functionKey";
    private const string EntraIdScheme = "entraId";

    public static IServiceCollection AddCdpOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(Local, options => Configure(options, functionApp: false));
        services.AddOpenApi(FunctionApp, options => Configure(options, functionApp: true));
        return services;
    }

    /// <summary>Serves both documents and the reference page (Scalar, its script from the package: nothing from a CDN).</summary>
    public static IEndpointRouteBuilder MapCdpApiDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(DocumentPath, async (IServiceProvider services, CancellationToken ct) => Results.Text(await RenderAsync(services, Local, ct), "application/json; charset=utf-8"))
            .ExcludeFromDescription();
        endpoints.MapOpenApi(DocumentsPattern);
        endpoints.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("Cdp API")
            .WithOpenApiRoutePattern(DocumentsPattern)
            .AddDocument(Local, "Cdp.Local")
            .AddDocument(FunctionApp, "Function App")
            .DisableDefaultFonts());
        return endpoints;
    }

    /// <summary>One of the documents as JSON (OpenAPI 3.1).</summary>
    public static async Task<string> RenderAsync(IServiceProvider services, string documentName, CancellationToken cancellationToken)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>(documentName).GetOpenApiDocumentAsync(cancellationToken);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        var writer = new OpenApiJsonWriter(text);
        document.SerializeAsV31(writer);
        await writer.FlushAsync(cancellationToken);
        return text.ToString();
    }

    /// <summary>Names the operation and says what it does, in the document's words.</summary>
    public static RouteHandlerBuilder Operation(this RouteHandlerBuilder builder, string id, string tag, string summary, string? description = null)
    {
        builder.WithName(id).WithTags(tag).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    /// <summary>A query parameter the handler reads itself (so the generator cannot see it).</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, string name, JsonSchemaType type, string description, bool required = false) =>
        builder.Parameter(ParameterLocation.Query, name, type, description, required);

    /// <summary>A request header the handler reads itself.</summary>
    public static RouteHandlerBuilder Header(this RouteHandlerBuilder builder, string name, string description) =>
        builder.Parameter(ParameterLocation.Header, name, JsonSchemaType.String, description, required: false);

    /// <summary>The values a path parameter may take.</summary>
    public static RouteHandlerBuilder PathValues(this RouteHandlerBuilder builder, string name, params string[] values) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == name) is OpenApiParameter { Schema: OpenApiSchema schema })
            {
                schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            }

            return Task.CompletedTask;
        });

    /// <summary>A JSON request body of one of the shapes given (the handler reads the body itself); each shape a component.</summary>
    public static RouteHandlerBuilder BodyOneOf(this RouteHandlerBuilder builder, string description, bool required, params Type[] shapes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var references = new List<IOpenApiSchema>();
            foreach (var shape in shapes)
            {
                var schema = await context.GetOrCreateSchemaAsync(shape, null, cancellationToken);
                context.Document!.AddComponent(shape.Name, schema);
                references.Add(new OpenApiSchemaReference(shape.Name, context.Document));
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = references.Count == 1 ? references[0] : new OpenApiSchema { OneOf = references } },
                },
            };
        });

    /// <summary>A text body the handler streams itself, in any of <paramref name="mediaTypes"/>.</summary>
    public static RouteHandlerBuilder TextBody(this RouteHandlerBuilder builder, string description, params string[] mediaTypes) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = true,
                Content = mediaTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } }),
            };
            return Task.CompletedTask;
        });

    private static bool MayBeNull(IOpenApiSchema schema) =>
        (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)) || schema.OneOf?.Any(MayBeNull) == true || schema.AnyOf?.Any(MayBeNull) == true;

    private static RouteHandlerBuilder Parameter(this RouteHandlerBuilder builder, ParameterLocation location, string name, JsonSchemaType type, string description, bool required) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter { Name = name, In = location, Description = description, Required = required, Schema = new OpenApiSchema { Type = type } });
            return Task.CompletedTask;
        });

    private static void Configure(OpenApiOptions options, bool functionApp)
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;

        // Replies leave out null members (CdpJson: WhenWritingNull), so a member that may be null is never required.
        options.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema is { Properties: { } properties, Required: { Count: > 0 } required })
            {
                foreach (var (name, property) in properties)
                {
                    if (MayBeNull(property))
                    {
                        required.Remove(name);
                    }
                }
            }

            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = functionApp ? "Cdp API (Function App)" : "Cdp API (Cdp.Local)",
                Version = "1",
                Description = functionApp
                    ? "The Customer Data Platform's HTTP API as the Azure Function App serves it: the same routes and handlers as Cdp.Local; "
                      + "admin routes take a function key, and a bearer token of the deployment's Entra ID app registration when it names one. docs/api.md explains every route."
                    : "The Customer Data Platform's HTTP API as Cdp.Local serves it: collection with a source's write key, the admin API with the admin token "
                      + "(scripts/dev.sh prints it). docs/api.md explains every route.",
            };
            document.Servers = functionApp
                ? [new OpenApiServer
                {
                    Url = "{origin}",
                    Description = "The Function App: azd env get-value CDP_API_URL, without its /api.",
                    Variables = new Dictionary<string, OpenApiServerVariable> { ["origin"] = new() { Default = "https://func-token.azurewebsites.net" } },
                }]
                : [new OpenApiServer { Url = LocalHost.DefaultUrl, Description = "Cdp.Local (scripts/dev.sh)." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [WriteKeyScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "basic", Description = "A source's write key as the user name, the password empty (or 'writeKey' in the body; Tracardi-style: 'source.id')." },
            };
            if (functionApp)
            {
                document.Components.SecuritySchemes[FunctionKeyScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "x-functions-key", Description = "A function key of the Function App (or the 'code' query parameter)." };
                document.Components.SecuritySchemes[EntraIdScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A token for the Entra ID app registration named by CDP_ADMIN_CLIENT_ID, in addition to the function key, when the deployment sets one." };
            }
            else
            {
                document.Components.SecuritySchemes[AdminTokenScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The admin token (CDP_ADMIN_TOKEN, or the file admin-token in the data folder)." };
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            context.Document!.AddComponent(nameof(ProblemDetails), await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
            var access = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiAccess>().LastOrDefault();
            string[] schemes = access switch
            {
                ApiAccess.WriteKey => [WriteKeyScheme],
                ApiAccess.Admin => functionApp ? [FunctionKeyScheme] : [AdminTokenScheme],
                _ => [],
            };
            if (access != ApiAccess.Open)
            {
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", new OpenApiResponse
                {
                    Description = access == ApiAccess.Admin ? "No admin credentials (a write key opens nothing here)." : "An unknown or missing write key.",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) } },
                });
            }

            operation.Security = schemes.Length == 0
                ? null
                : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(schemes[0], context.Document)] = [] }];
            if (access == ApiAccess.Admin && functionApp)
            {
                // Either the key alone, or the key with the app registration's token when the deployment asks for one.
                operation.Security!.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(FunctionKeyScheme, context.Document)] = [],
                    [new OpenApiSecuritySchemeReference(EntraIdScheme, context.Document)] = [],
                });
            }
        });
    }
}
