namespace ModelConsole.Routing;

/// <summary>Where a bundle is in the pipeline.</summary>
public enum Stage
{
    Staging = 0,
    Shadow = 1,
    Canary = 2,
    Active = 3,
    Deprecated = 4,
}

