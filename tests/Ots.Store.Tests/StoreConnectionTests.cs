using Ots.Edge.Store;
using StackExchange.Redis;

namespace Ots.Store.Tests;

public sealed class StoreConnectionTests
{
    [Fact]
    public void Options_fail_fast_with_the_store_timeout()
    {
        var options = StoreConnection.CreateOptions("127.0.0.1:6379,connectTimeout=30000,name=other", TimeSpan.FromMilliseconds(1500));

        Assert.False(options.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.Equal(1500, options.ConnectTimeout);
        Assert.Equal(1500, options.SyncTimeout);
        Assert.Equal((int)StoreConnection.ReplyWindow.TotalMilliseconds, options.AsyncTimeout);
        Assert.Equal("ots-edge", options.ClientName);
        Assert.False(options.IncludeDetailInExceptions);
        Assert.Equal("127.0.0.1:6379", Assert.Single(options.EndPoints).ToString());
    }

    [Fact]
    public void The_reply_window_is_never_shorter_than_the_store_timeout()
    {
        var options = StoreConnection.CreateOptions("127.0.0.1:6379", TimeSpan.FromSeconds(45));

        Assert.Equal(45_000, options.SyncTimeout);
        Assert.Equal(45_000, options.AsyncTimeout);
    }

    [Theory]
    [InlineData("127.0.0.1:6379", null, null)]
    [InlineData("127.0.0.1:6379,password=in-the-string", null, "in-the-string")]
    [InlineData("127.0.0.1:6379,password=in-the-string", "", "in-the-string")]
    [InlineData("127.0.0.1:6379,password=in-the-string", "from,a=file", "from,a=file")]
    [InlineData("127.0.0.1:6379", "from a file", "from a file")]
    public void A_password_from_elsewhere_overrides_the_one_in_the_configuration(string configuration, string? password, string? expected)
    {
        var options = StoreConnection.CreateOptions(configuration, StoreConnection.DefaultTimeout, password);

        Assert.Equal(expected, options.Password);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => StoreConnection.CreateOptions(" ", StoreConnection.DefaultTimeout));
        Assert.Throws<ArgumentOutOfRangeException>(() => StoreConnection.CreateOptions("127.0.0.1", TimeSpan.Zero));
    }
}
