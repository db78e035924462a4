namespace ModelConsole.Web.Components.Controls;

/// <summary>
/// Newest-first pages of a list read by id, as the stores page (<c>before</c>: rows with a smaller id): every page is
/// one bounded read of <see cref="PageSize"/> rows, plus one to know whether older rows exist. Older moves past the
/// last row shown; Newer goes back the way it came; Newest starts again. A live refresh reads the same page again;
/// a read that finishes after the cursor moved on is dropped (<see cref="Generation"/>).
/// </summary>
public sealed class PageCursor(int pageSize)
{
    private readonly Stack<long?> _newer = new();

    public int PageSize { get; } = pageSize;

    /// <summary>Moves whenever the cursor does: a read started at an older generation is out of date when it ends.</summary>
    public int Generation { get; private set; }

    /// <summary>The id the page shown starts below; null for the newest page.</summary>
    public long? Before { get; private set; }

    /// <summary>How many rows to read for a page: one more than shown, to know whether there are older ones.</summary>
    public int Take => PageSize + 1;

    /// <summary>Whether the last read had rows older than the page shows.</summary>
    public bool HasOlder { get; private set; }

    public bool HasNewer => _newer.Count > 0;

    /// <summary>The page's number counted from the newest (1); null when the page was opened at a row (its depth is not known).</summary>
    public int? Number => _jumped ? null : _newer.Count + 1;

    private bool _jumped;

    private long? _lastShown;

    /// <summary>The rows of the page out of a read of <see cref="Take"/> rows, newest first.</summary>
    public IReadOnlyList<T> Page<T>(IReadOnlyList<T> read, Func<T, long> id)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(id);
        HasOlder = read.Count > PageSize;
        var page = HasOlder ? read.Take(PageSize).ToList() : read;
        _lastShown = page.Count == 0 ? null : id(page[^1]);
        return page;
    }

    /// <summary>Moves to the rows older than the last one shown.</summary>
    public void Older()
    {
        Generation++;
        if (HasOlder && _lastShown is { } last)
        {
            _newer.Push(Before);
            Before = last;
        }
    }

    /// <summary>Moves back one page towards the newest.</summary>
    public void Newer()
    {
        Generation++;
        if (_newer.TryPop(out var before))
        {
            Before = before;
            _jumped = _jumped && _newer.Count > 0;
        }
    }

    /// <summary>Starts at a page whose first row is the given id (a link to an older row); Newer then leads to the newest page.</summary>
    public void StartAt(long id)
    {
        Reset();
        if (id is <= 0 or long.MaxValue)
        {
            return; // no page starts there: the newest one is shown
        }

        _newer.Push(null);
        _jumped = true;
        Before = id + 1;
    }

    /// <summary>Back to the newest page (when the filters change).</summary>
    public void Reset()
    {
        Generation++;
        _newer.Clear();
        Before = null;
        HasOlder = false;
        _lastShown = null;
        _jumped = false;
    }
}
