namespace ModelConsole.Routing;

/// <summary>One step of a provider failover chain, tried in order when the bundle's provider fails.</summary>
public sealed record FallbackTarget(string Provider, string ModelId);
