using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ModelConsole.Web.Auth;

/// <summary>
/// Behind a reverse proxy: <c>ForwardedHeaders:KnownProxies</c> (addresses) and <c>ForwardedHeaders:KnownNetworks</c>
/// (CIDR ranges), each a list or one comma-separated value. X-Forwarded-For and X-Forwarded-Proto are believed only
/// from those addresses — the client address for the sign-in limit, the scheme for Secure cookies and HSTS — and
/// ignored from anyone else, and entirely when neither is set.
/// </summary>
public sealed record ProxySettings(IReadOnlyList<IPAddress> Proxies, IReadOnlyList<System.Net.IPNetwork> Networks)
{
    public bool Enabled => Proxies.Count > 0 || Networks.Count > 0;

    /// <summary>Reads the two keys; throws naming the key and the value that is not an address or a range.</summary>
    public static ProxySettings Read(IConfiguration configuration)
    {
        var proxies = Values(configuration, "ForwardedHeaders:KnownProxies")
            .Select(v => IPAddress.TryParse(v, out var address)
                ? address
                : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{v}' is not an IP address.")).ToList();
        var networks = Values(configuration, "ForwardedHeaders:KnownNetworks")
            .Select(v => System.Net.IPNetwork.TryParse(v, out var network)
                ? network
                : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks: '{v}' is not a network in CIDR form (10.0.0.0/8).")).ToList();
        return new ProxySettings(proxies, networks);
    }

    private static IEnumerable<string> Values(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? "");
        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}

public static class ProxySetup
{
    public static IServiceCollection AddConsoleProxy(this IServiceCollection services, ProxySettings settings) =>
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Proxies)
            {
                o.KnownProxies.Add(proxy);
            }

            foreach (var network in settings.Networks)
            {
                o.KnownIPNetworks.Add(network);
            }

            o.ForwardLimit = null; // every known hop, up to the first address that is not one
        });

    /// <summary>First in the pipeline, so every later step sees the client's address and scheme; nothing when unset.</summary>
    public static IApplicationBuilder UseConsoleProxy(this IApplicationBuilder app, ProxySettings settings) =>
        settings.Enabled ? app.UseForwardedHeaders() : app;
}
