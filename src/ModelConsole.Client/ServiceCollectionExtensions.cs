using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModelConsole.Client;

/// <summary>Registration for hosts: the client as a singleton, its options checked at start, started and flushed with the host.</summary>
public static class ModelConsoleServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ModelConsoleClient"/>. Options come from <paramref name="configure"/> (bind them from the
    /// <c>ModelConsole</c> section yourself if you like); invalid options stop the host at start with every problem named.
    /// </summary>
    public static IServiceCollection AddModelConsole(this IServiceCollection services, Action<ModelConsoleClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ModelConsoleClientOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelConsoleClientOptions>, ModelConsoleClientOptionsValidator>();
        services.AddSingleton(sp => new ModelConsoleClient(sp.GetRequiredService<IOptions<ModelConsoleClientOptions>>().Value, sp.GetService<ILogger<ModelConsoleClient>>()));
        services.AddHostedService<ModelConsoleClientHost>();
        return services;
    }

    /// <summary>
    /// Serves every call of this chat client through <paramref name="family"/>'s bundle (see <see cref="ModelConsoleChatClient"/>).
    /// A bundle's provider is served by the keyed <see cref="IChatClient"/> registered under the provider's name when
    /// there is one, else by the client this builder wraps; the bundle's model goes in <see cref="ChatOptions.ModelId"/>.
    /// For clients bound to one model, construct <see cref="ModelConsoleChatClient"/> with a provider-and-model resolver instead.
    /// </summary>
    public static ChatClientBuilder UseModelConsole(this ChatClientBuilder builder, string family, Func<IEnumerable<ChatMessage>, ChatOptions?, string> subjectSelector)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = services.GetRequiredService<IOptions<ModelConsoleClientOptions>>().Value;
            return new ModelConsoleChatClient(inner, services.GetRequiredService<ModelConsoleClient>(), family, subjectSelector,
                (provider, _) => services.GetKeyedService<IChatClient>(provider), options.MaxConcurrentShadowCalls,
                services.GetService<ILogger<ModelConsoleChatClient>>());
        });
    }

    private sealed class ModelConsoleClientHost(ModelConsoleClient client) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => client.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await client.FlushAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's stop deadline passed: the client's dispose still tries once more.
            }
        }
    }
}
