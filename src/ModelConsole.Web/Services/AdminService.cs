using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Validation;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Hubs;

namespace ModelConsole.Web.Services;

public sealed record UserRecord(string Id, string UserName, IReadOnlyList<string> Roles, bool Disabled, bool IsDemo, DateTime CreatedAt, DateTimeOffset? LockedOutUntil);

/// <summary>A key just created: the only moment its value is known.</summary>
public sealed record CreatedApiKey(string Name, string Key);

/// <summary>
/// Users and API keys, for admins. Every change commits in one transaction with its ledger record. Each operation
/// takes its own scope, so no DbContext lives as long as a circuit.
/// </summary>
public sealed class AdminService(IServiceScopeFactory scopes, ApiKeyStore keys, ApiKeyRing ring, KeyUsageRecorder usage, HubSessions hubs, TimeProvider clock)
{
    public const int MinPasswordLength = 12;

    public async Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ModelConsoleDbContext>();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name })
            .ToListAsync(cancellationToken);
        var byUser = roles.ToLookup(r => r.UserId, r => r.Name!);
        var now = clock.GetUtcNow();
        return users.Select(u => new UserRecord(u.Id, u.UserName!, byUser[u.Id].Order(StringComparer.Ordinal).ToList(), u.Disabled, u.IsDemo, u.CreatedAt,
            u.LockoutEnd is { } end && end > now ? end : null)).ToList();
    }

    public async Task<CommandResult<UserRecord>> CreateUserAsync(string? userName, string? password, IReadOnlyList<string> roles, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = userName?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(name) || name.Length is < 2 or > 64 || name.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_' or '@')))
        {
            errors.Add("userName", "2–64 characters: lower-case letters, digits, '-', '.', '_' or '@'.");
        }

        CheckPassword(password, errors);
        CheckRoles(roles, errors);
        if (!errors.IsEmpty)
        {
            return CommandResult<UserRecord>.Invalid(errors);
        }

        return await InTransactionAsync<UserRecord>(async (users, db) =>
        {
            if (await users.FindByNameAsync(name!) is not null)
            {
                return CommandResult<UserRecord>.Conflicted($"A user named '{name}' already exists.");
            }

            var user = new ConsoleUser { UserName = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            var created = await users.CreateAsync(user, password!);
            if (!created.Succeeded)
            {
                return Identity<UserRecord>(created, "password");
            }

            await users.AddToRolesAsync(user, roles);
            Ledger(db, actor, LedgerActions.UserCreated, name!, new { roles });
            return CommandResult<UserRecord>.Ok(new UserRecord(user.Id, name!, roles, false, false, user.CreatedAt, null));
        }, cancellationToken);
    }

    public Task<CommandResult<UserRecord>> SetRolesAsync(string userId, IReadOnlyList<string> roles, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        CheckRoles(roles, errors);
        return !errors.IsEmpty
            ? Task.FromResult(CommandResult<UserRecord>.Invalid(errors))
            : ChangeUserAsync(userId, actor, LedgerActions.UserRolesChanged, async (users, user) =>
            {
                var current = await users.GetRolesAsync(user);
                await users.RemoveFromRolesAsync(user, current.Except(roles));
                await users.AddToRolesAsync(user, roles.Except(current));
                await users.UpdateSecurityStampAsync(user);
                return new { from = current, to = roles };
            }, cancellationToken);
    }

    public Task<CommandResult<UserRecord>> SetDisabledAsync(string userId, bool disabled, string actor, CancellationToken cancellationToken) =>
        ChangeUserAsync(userId, actor, disabled ? LedgerActions.UserDisabled : LedgerActions.UserEnabled, async (users, user) =>
        {
            user.Disabled = disabled;
            await users.UpdateAsync(user);
            await users.UpdateSecurityStampAsync(user); // ends open sessions at their next check
            return new { disabled };
        }, cancellationToken);

    public Task<CommandResult<UserRecord>> ResetPasswordAsync(string userId, string? password, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        CheckPassword(password, errors);
        return !errors.IsEmpty
            ? Task.FromResult(CommandResult<UserRecord>.Invalid(errors))
            : ChangeUserAsync(userId, actor, LedgerActions.UserPasswordReset, async (users, user) =>
            {
                await users.RemovePasswordAsync(user);
                var added = await users.AddPasswordAsync(user, password!);
                if (!added.Succeeded)
                {
                    throw new InvalidOperationException(string.Join(" ", added.Errors.Select(e => e.Description)));
                }

                await users.SetLockoutEndDateAsync(user, null);
                await users.ResetAccessFailedCountAsync(user);
                return new { unlocked = true };
            }, cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var list = await keys.ListAsync(cancellationToken);
        return list.Select(k => usage.PendingFor(k.Id) is { } pending && (k.LastUsedAt is null || pending > k.LastUsedAt)
            ? k with { LastUsedAt = pending }
            : k).ToList();
    }

    public async Task<CommandResult<CreatedApiKey>> CreateKeyAsync(string? name, IReadOnlyList<string> scopes, bool unlimited, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (Names.Check(name, "key") is { } nameError)
        {
            errors.Add("name", nameError);
        }
        else if (name == ApiKeyDefaults.BootstrapName)
        {
            errors.Add("name", "'bootstrap' is the configured bootstrap key's name.");
        }

        if (scopes.Count == 0)
        {
            errors.Add("scopes", "Choose at least one scope.");
        }
        else if (scopes.FirstOrDefault(s => !Scopes.All.Contains(s)) is { } unknown)
        {
            errors.Add("scopes", $"Unknown scope '{unknown}'.");
        }

        if (!errors.IsEmpty)
        {
            return CommandResult<CreatedApiKey>.Invalid(errors);
        }

        var (key, prefix, hash) = ApiKeyFormat.Generate();
        if (!await keys.CreateAsync(name!, prefix, hash, scopes, unlimited, actor, cancellationToken))
        {
            return CommandResult<CreatedApiKey>.Conflicted($"A key named '{name}' already exists.");
        }

        await ring.ReloadAsync(CancellationToken.None); // committed: the ring must follow, whatever the caller does
        return CommandResult<CreatedApiKey>.Ok(new CreatedApiKey(name!, key));
    }

    public async Task<bool> RevokeKeyAsync(int id, string actor, CancellationToken cancellationToken)
    {
        var revoked = await keys.RevokeAsync(id, actor, cancellationToken);
        await ring.ReloadAsync(CancellationToken.None);
        if (revoked is not null)
        {
            hubs.Close(HubSessions.OwnerOfKey(revoked)); // an open hub connection is never asked for its key again
        }

        return revoked is not null;
    }

    // Every change to a user ends their sessions (the stamp moves on); their hub connections close once it commits.
    private async Task<CommandResult<UserRecord>> ChangeUserAsync(
        string userId, string actor, string action, Func<UserManager<ConsoleUser>, ConsoleUser, Task<object>> change, CancellationToken cancellationToken)
    {
        var closeHubs = false;
        var result = await InTransactionAsync<UserRecord>(async (users, db) =>
        {
            var user = await users.FindByIdAsync(userId);
            if (user is null)
            {
                var errors = new ValidationErrors();
                errors.Add("user", "There is no such user.");
                return CommandResult<UserRecord>.Invalid(errors);
            }

            var evidence = await change(users, user);
            Ledger(db, actor, action, user.UserName!, evidence);
            closeHubs = true;
            var roles = await users.GetRolesAsync(user);
            return CommandResult<UserRecord>.Ok(new UserRecord(user.Id, user.UserName!, [.. roles], user.Disabled, user.IsDemo, user.CreatedAt, user.LockoutEnd));
        }, cancellationToken);
        if (closeHubs && result.Succeeded)
        {
            hubs.Close(HubSessions.OwnerOfUser(userId));
        }

        return result;
    }

    // Identity's stores share the scope's context, so one transaction holds the change and its ledger record.
    private async Task<CommandResult<T>> InTransactionAsync<T>(Func<UserManager<ConsoleUser>, ModelConsoleDbContext, Task<CommandResult<T>>> work, CancellationToken cancellationToken)
        where T : class
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ModelConsoleDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await work(users, db);
        if (result.Succeeded)
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    private void Ledger(ModelConsoleDbContext db, string actor, string action, string subject, object evidence) =>
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = clock.GetUtcNow().UtcDateTime, Actor = actor, Action = action, Reason = $"user '{subject}'",
            Evidence = JsonSerializer.Serialize(evidence, JsonSerializerOptions.Web),
        });

    private static CommandResult<T> Identity<T>(IdentityResult result, string field)
        where T : class
    {
        var errors = new ValidationErrors();
        foreach (var error in result.Errors)
        {
            errors.Add(field, error.Description);
        }

        return CommandResult<T>.Invalid(errors);
    }

    private static void CheckPassword(string? password, ValidationErrors errors)
    {
        if (password is null || password.Length < MinPasswordLength)
        {
            errors.Add("password", $"At least {MinPasswordLength} characters.");
        }
    }

    private static void CheckRoles(IReadOnlyList<string> roles, ValidationErrors errors)
    {
        if (roles.FirstOrDefault(r => !Roles.All.Contains(r)) is { } unknown)
        {
            errors.Add("roles", $"Unknown role '{unknown}'.");
        }
    }
}
