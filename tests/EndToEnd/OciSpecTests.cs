using System.Text.Json.Nodes;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>`runsc spec`: runc's default config.json (runc is the oracle: .ci/run installs it), never overwriting one.</summary>
[Trait("Category", "EndToEnd")]
public class OciSpecTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("appkernel-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static JsonObject Load(string path) => (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

    [Fact]
    public void SpecWritesRuncsDefaults()
    {
        var ours = Directory.CreateDirectory(Path.Combine(_dir, "ours")).FullName;
        var runc = Directory.CreateDirectory(Path.Combine(_dir, "runc")).FullName;
        var r = Run(RunscPath, ["spec", "--bundle", ours]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists("/usr/sbin/runc") || File.Exists("/usr/bin/runc"), "runc is the oracle for this test: apt-get install runc");
        var rr = Run("runc", ["spec", "--bundle", runc]);
        Assert.True(rr.ExitCode == 0, rr.ToString());

        var a = Load(Path.Combine(ours, "config.json"));
        var b = Load(Path.Combine(runc, "config.json"));
        Assert.Equal("1.0.2", (string?)a["ociVersion"]);
        Assert.Equal("runsc", (string?)a["hostname"]);
        foreach (var k in new[] { "ociVersion", "hostname" }) { a.Remove(k); b.Remove(k); }
        Assert.True(JsonNode.DeepEquals(a, b), $"ours:\n{a}\nrunc:\n{b}");
    }

    [Fact]
    public void SpecNeverOverwritesAConfig()
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, "mine");
        var r = Run(RunscPath, ["spec", "-b", _dir]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("exists", r.Stderr);
        Assert.Equal("mine", File.ReadAllText(path));
    }

    [Fact]
    public void SpecOfAMissingBundleIsAnError()
    {
        var r = Run(RunscPath, ["spec", "--bundle", Path.Combine(_dir, "nothing-here")]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "nothing-here")));
    }

    /// <summary>Words after "--" are the process's args, "do" among them too (not taken for `runsc do`).</summary>
    [Fact]
    public void SpecArgsBecomeTheProcess()
    {
        var r = Run(RunscPath, ["spec", "-b", _dir, "--", "sh", "-c", "do"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var args = Load(Path.Combine(_dir, "config.json"))["process"]!["args"]!.AsArray().Select(n => (string?)n).ToArray();
        Assert.Equal(new[] { "sh", "-c", "do" }, args);
    }
}
