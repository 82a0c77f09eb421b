using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ots.Testing;

/// <summary>
/// A docker-compose file of the repository, read as compose reads it (YAML with merge keys, <c>&lt;&lt;: *anchor</c>)
/// and interpolated as compose does for the one variable these files use, so that tests can run its lines (health
/// checks, commands, connection settings) against the real thing: an edit there that breaks them fails a test.
/// </summary>
internal sealed partial class ComposeFile
{
    private readonly YamlMappingNode _services;
    private readonly string _password;

    private ComposeFile(YamlMappingNode services, string password)
    {
        _services = services;
        _password = password;
    }

    /// <summary>Reads <paramref name="name"/> (e.g. <c>docker-compose.yml</c>) with <c>GARNET_PASSWORD</c> set to <paramref name="password"/>.</summary>
    public static ComposeFile Load(string name, string password)
    {
        using var reader = new StreamReader(Path.Combine(Repository.Root, name));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return new ComposeFile((YamlMappingNode)root["services"], password);
    }

    /// <summary>The names of the services whose name starts with <paramref name="prefix"/>, in file order.</summary>
    public IReadOnlyList<string> Services(string prefix) =>
        _services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

    /// <summary>A service's <c>command</c> (a sequence), interpolated.</summary>
    public IReadOnlyList<string> Command(string service) => Sequence(Service(service)["command"]);

    /// <summary>A service's <c>entrypoint</c> (a sequence), interpolated.</summary>
    public IReadOnlyList<string> Entrypoint(string service) => Sequence(Service(service)["entrypoint"]);

    /// <summary>A service's <c>volumes</c> in the short syntax (<c>source:target[:mode]</c>), interpolated.</summary>
    public IReadOnlyList<string> Volumes(string service) => Sequence(Service(service)["volumes"]);

    /// <summary>The script of a <c>["CMD", "bash", "-c", SCRIPT]</c> health check, interpolated.</summary>
    public string HealthCheckScript(string service)
    {
        var test = Sequence(((YamlMappingNode)Service(service)["healthcheck"])["test"]);
        if (test.Length != 4 || test[0] != "CMD" || test[1] != "bash" || test[2] != "-c")
        {
            throw new InvalidOperationException(service + "'s health check is not [\"CMD\", \"bash\", \"-c\", SCRIPT]: " + string.Join(' ', test));
        }

        return test[3];
    }

    /// <summary>One variable of a service's <c>environment</c> (a mapping), interpolated.</summary>
    public string Environment(string service, string name) =>
        Interpolate(((YamlScalarNode)((YamlMappingNode)Service(service)["environment"])[name]).Value!);

    /// <summary>
    /// Compose's interpolation of what these files use: <c>$$</c> is a literal <c>$</c>; <c>${GARNET_PASSWORD:?message}</c>
    /// is the password. Any other variable is an error here, so that a new one gets a test.
    /// </summary>
    public string Interpolate(string value)
    {
        var interpolated = PasswordVariable().Replace(value.Replace("$$", "\0", StringComparison.Ordinal), _ => _password);
        if (interpolated.Contains("${", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("a variable these tests do not know: " + value);
        }

        return interpolated.Replace("\0", "$", StringComparison.Ordinal);
    }

    /// <summary>
    /// A command line of <c>--flag [value]</c> tokens, such as Garnet's in a <see cref="Command"/>, as flag → value
    /// (<c>""</c> for a flag without one). A token that is not a flag where one belongs, or a flag given twice, is an
    /// error: these files give each flag once.
    /// </summary>
    public static Dictionary<string, string> Flags(IReadOnlyList<string> tokens)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var flag = tokens[i];
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"'{flag}' where a flag belongs: " + string.Join(' ', tokens));
            }

            var hasValue = i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (!flags.TryAdd(flag, hasValue ? tokens[++i] : ""))
            {
                throw new InvalidOperationException(flag + " is given twice");
            }
        }

        return flags;
    }

    private YamlMappingNode Service(string name) => (YamlMappingNode)_services[name];

    private string[] Sequence(YamlNode node) =>
        ((YamlSequenceNode)node).Children.Select(c => Interpolate(((YamlScalarNode)c).Value!)).ToArray();

    [GeneratedRegex(@"\$\{GARNET_PASSWORD(:\?[^}]*)?\}")]
    private static partial Regex PasswordVariable();
}
