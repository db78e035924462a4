namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>Where the repository is, found from the test assembly's folder.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>The build configuration the tests run in (Debug or Release), read from the test assembly's path.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelConsole.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
