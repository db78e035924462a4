using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Families;

/// <summary>A family someone asks to create.</summary>
public sealed record FamilyDraft(string? Name, string? Description, string? Owner)
{
    public const int MaxDescriptionLength = 1000;
    public const int MaxOwnerLength = 128;

    public ValidationErrors Check()
    {
        var errors = new ValidationErrors();
        if (Names.Check(Name, "family") is { } nameError)
        {
            errors.Add("name", nameError);
        }

        if (Description is { Length: > MaxDescriptionLength })
        {
            errors.Add("description", $"The description is longer than {MaxDescriptionLength} characters.");
        }

        if (Owner is { Length: > MaxOwnerLength })
        {
            errors.Add("owner", $"The owner is longer than {MaxOwnerLength} characters.");
        }

        return errors;
    }
}
