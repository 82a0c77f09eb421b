using System.Reflection;
using Xunit.Sdk;

namespace Ots.Store.Tests.Infrastructure;

/// <summary>Runs a theory against the embedded Garnet (argument <c>"garnet"</c>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnGarnetAttribute : DataAttribute
{
    public const string Name = "garnet";

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Name]];
}

/// <summary>
/// Runs a theory against a real redis-server (argument <c>"redis"</c>), or reports it skipped, with the reason,
/// when redis-server is not installed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnRedisAttribute : DataAttribute
{
    public const string Name = "redis";

    public OnRedisAttribute()
    {
        Skip = RedisServer.SkipReason;
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Name]];
}
