using Gilmour.Hosting.Redis;

namespace Gilmour.EndToEnd.Tests;

/// <summary>How the app host picks its Redis: the decision alone, from what the machine offers.</summary>
public sealed class RedisModeSelectionTests
{
    [Fact]
    public void Auto_uses_the_container_when_a_container_runtime_is_healthy()
    {
        var choice = RedisModeSelection.Choose(RedisMode.Auto, publishing: false, containerRuntime: "docker 28.2.2", redisServerPath: "/usr/bin/redis-server");

        Assert.Equal(RedisMode.Container, choice.Mode);
        Assert.Contains("docker 28.2.2", choice.Reason);
    }

    [Fact]
    public void Auto_without_a_healthy_container_runtime_never_picks_the_container_but_redis_server()
    {
        var choice = RedisModeSelection.Choose(RedisMode.Auto, publishing: false, containerRuntime: null, redisServerPath: "/usr/bin/redis-server", "docker: daemon not running");

        Assert.Equal(RedisMode.Executable, choice.Mode);
        Assert.Contains("docker: daemon not running", choice.Reason);
        Assert.Contains("/usr/bin/redis-server", choice.Reason);
    }

    [Fact]
    public void Auto_with_neither_container_runtime_nor_redis_server_falls_back_to_garnet()
    {
        var choice = RedisModeSelection.Choose(RedisMode.Auto, publishing: false, containerRuntime: null, redisServerPath: null);

        Assert.Equal(RedisMode.Garnet, choice.Mode);
    }

    [Fact]
    public void Publishing_describes_the_redis_container_whatever_the_publishing_machine_has()
    {
        var choice = RedisModeSelection.Choose(RedisMode.Auto, publishing: true, containerRuntime: null, redisServerPath: null);

        Assert.Equal(RedisMode.Container, choice.Mode);
    }

    [Theory]
    [InlineData(RedisMode.Container)]
    [InlineData(RedisMode.Executable)]
    [InlineData(RedisMode.Garnet)]
    [InlineData(RedisMode.External)]
    public void A_configured_mode_is_used_as_configured(RedisMode configured)
    {
        Assert.Equal(configured, RedisModeSelection.Choose(configured, publishing: false, containerRuntime: "docker 28", redisServerPath: null).Mode);
    }

    [Theory]
    [InlineData(null, RedisMode.Auto)]
    [InlineData("", RedisMode.Auto)]
    [InlineData("auto", RedisMode.Auto)]
    [InlineData("Garnet", RedisMode.Garnet)]
    [InlineData(" executable ", RedisMode.Executable)]
    [InlineData("EXTERNAL", RedisMode.External)]
    public void Mode_names_are_read_case_insensitively(string? configured, RedisMode expected)
    {
        Assert.Equal(expected, RedisModeSelection.Parse(configured));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("7")]
    public void An_unknown_mode_is_refused_with_the_valid_names(string configured)
    {
        var error = Assert.Throws<ArgumentException>(() => RedisModeSelection.Parse(configured));

        Assert.Contains("Gilmour:Redis:Mode", error.Message);
        Assert.Contains("auto, container, executable, garnet, external", error.Message);
    }
}
