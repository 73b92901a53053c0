using System.Text.Json.Nodes;
using AppKernel.Runsc.Oci;
using Xunit;

namespace AppKernel.Tests.Oci;

/// <summary>Bundle.Load: a good bundle loads; each kind of bad config.json is one error naming the file and field.</summary>
public class BundleTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("appkernel-bundle-").FullName;

    public BundleTests() => Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static JsonObject Default() =>
        (JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(DefaultSpec.Create(), OciJson.Default.Spec))!;

    void Write(string text) => File.WriteAllText(Path.Combine(_dir, "config.json"), text);

    string Error(string text)
    {
        Write(text);
        return Assert.Throws<BundleException>(() => Bundle.Load(_dir)).Message;
    }

    string Error(Action<JsonObject> edit)
    {
        var spec = Default();
        edit(spec);
        return Error(spec.ToJsonString());
    }

    [Fact]
    public void TheDefaultSpecLoads()
    {
        Write(Default().ToJsonString());
        var b = Bundle.Load(_dir);
        Assert.Equal(Path.Combine(_dir, "rootfs"), b.RootPath);
        Assert.Equal(new[] { "sh" }, b.Spec.Process!.Args);
        Assert.Equal(7, b.Spec.Mounts!.Count);
        Assert.Equal(1024UL, b.Spec.Process.Rlimits![0].Hard);
    }

    [Fact]
    public void MissingConfigNamesTheFile()
    {
        var e = Assert.Throws<BundleException>(() => Bundle.Load(_dir)).Message;
        Assert.Contains(Path.Combine(_dir, "config.json"), e);
    }

    [Fact]
    public void MissingBundleIsAnError() =>
        Assert.Contains("not a directory", Assert.Throws<BundleException>(() => Bundle.Load(Path.Combine(_dir, "none"))).Message);

    [Fact]
    public void BrokenJsonGivesItsPosition() => Assert.Contains("line 2", Error("{\n  \"ociVersion\": ,\n}"));

    [Fact]
    public void WrongTypeNamesTheField() => Assert.Contains("process.args", Error(s => s["process"]!["args"] = "sh"));

    [Fact]
    public void WrongElementTypeNamesTheElement() =>
        Assert.Contains("process.user.uid", Error(s => s["process"]!["user"]!["uid"] = "root"));

    [Theory]
    [InlineData("ociVersion")]
    [InlineData("process")]
    [InlineData("root")]
    public void MissingSectionNamesIt(string key) => Assert.Contains(key, Error(s => s.Remove(key)));

    [Fact]
    public void EmptyArgs() => Assert.Contains("process.args: must name the program", Error(s => s["process"]!["args"] = new JsonArray()));

    [Fact]
    public void RelativeCwd() => Assert.Contains("process.cwd: home is not an absolute path", Error(s => s["process"]!["cwd"] = "home"));

    [Fact]
    public void MissingRootfs() => Assert.Contains("root.path", Error(s => s["root"]!["path"] = "no-such-rootfs"));

    [Fact]
    public void EnvWithoutEquals() =>
        Assert.Contains("process.env[1]: must be KEY=value", Error(s => s["process"]!["env"] = new JsonArray("A=1", "JUSTAKEY")));

    [Fact]
    public void UnknownRlimit() =>
        Assert.Contains("process.rlimits[0].type: RLIMIT_BOGUS", Error(s => s["process"]!["rlimits"]![0]!["type"] = "RLIMIT_BOGUS"));

    [Fact]
    public void SoftAboveHard() => Assert.Contains("process.rlimits[0]: soft 2048 is above hard 1024", Error(s => s["process"]!["rlimits"]![0]!["soft"] = 2048));

    [Fact]
    public void RelativeMountDestination() =>
        Assert.Contains("mounts[2].destination: dev/pts", Error(s => s["mounts"]![2]!["destination"] = "dev/pts"));

    [Fact]
    public void UnknownNamespace() =>
        Assert.Contains("linux.namespaces[1].type: net ", Error(s => s["linux"]!["namespaces"]![1]!["type"] = "net"));

    [Fact]
    public void DuplicateNamespace() =>
        Assert.Contains("linux.namespaces[1].type: pid is given twice", Error(s => s["linux"]!["namespaces"]![1]!["type"] = "pid"));

    [Fact]
    public void OtherSpecVersion() => Assert.Contains("ociVersion: 2.0.0", Error(s => s["ociVersion"] = "2.0.0"));
}
