namespace ModelConsole.Core.Validation;

/// <summary>How a command or a read came out, in the terms every caller (API, page, job) maps the same way.</summary>
public enum OutcomeStatus
{
    /// <summary>Done; the value is the answer.</summary>
    Ok,

    /// <summary>A field is wrong (400 with field errors); nothing changed.</summary>
    Invalid,

    /// <summary>A name in the path does not exist (404).</summary>
    NotFound,

    /// <summary>Not allowed now, or changed meanwhile (409); the message says which.</summary>
    Conflict,

    /// <summary>Decided on a version that is no longer current (412).</summary>
    Stale,
}

/// <summary>
/// The one result type of commands and checked reads: a value, or field errors, or a not-found, conflict or stale
/// message. Validation errors are values here, never parsed out of exception messages.
/// </summary>
public sealed record Outcome<T>(OutcomeStatus Status, T? Value, ValidationErrors? Errors, string? Message)
{
    /// <summary>True when done.</summary>
    public bool IsOk => Status == OutcomeStatus.Ok;

    /// <summary>Done, with its value.</summary>
    public static Outcome<T> Ok(T value) => new(OutcomeStatus.Ok, value, null, null);

    /// <summary>Field errors.</summary>
    public static Outcome<T> Invalid(ValidationErrors errors) => new(OutcomeStatus.Invalid, default, errors, null);

    /// <summary>One field's error.</summary>
    public static Outcome<T> Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors);
    }

    /// <summary>An unknown name.</summary>
    public static Outcome<T> NotFound(string message) => new(OutcomeStatus.NotFound, default, null, message);

    /// <summary>Not allowed now.</summary>
    public static Outcome<T> Conflict(string message) => new(OutcomeStatus.Conflict, default, null, message);

    /// <summary>A stale version.</summary>
    public static Outcome<T> Stale(string message) => new(OutcomeStatus.Stale, default, null, message);

    /// <summary>The same failure for another value type (a failed outcome carries no value).</summary>
    public Outcome<TOther> As<TOther>() => IsOk
        ? throw new InvalidOperationException("Only a failed outcome converts without its value.")
        : new Outcome<TOther>(Status, default, Errors, Message);

    /// <summary>What to tell a person: the message, or the field errors in one line; null when done.</summary>
    public string? Problem => Status switch
    {
        OutcomeStatus.Ok => null,
        OutcomeStatus.Invalid => string.Join(" ", Errors!.ToDictionary().SelectMany(e => e.Value)),
        _ => Message,
    };
}
