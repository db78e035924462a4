namespace ModelConsole.Web.Services;

/// <summary>What start-up established: the database is migrated (and seeded), and whether it holds demo data.</summary>
public sealed class Readiness
{
    private volatile bool _ready;
    private volatile bool _demoDatabase;

    public bool IsReady => _ready;

    public bool IsDemoDatabase => _demoDatabase;

    /// <summary>This start seeded a new demo database (the simulator then fills the last hour).</summary>
    public bool SeededThisStart { get; private set; }

    public void MarkReady(bool demoDatabase, bool seeded = false)
    {
        _demoDatabase = demoDatabase;
        SeededThisStart = seeded;
        _ready = true;
    }
}
