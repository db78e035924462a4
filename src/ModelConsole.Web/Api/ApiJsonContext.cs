using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelConsole.Web.Api;

/// <summary>Source-generated JSON for the hot machine answers (route); the rest uses reflection-based metadata.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RouteAnswer))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
