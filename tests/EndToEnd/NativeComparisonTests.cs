using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>Runs each command natively and under `runsc do`; stdout, stderr and exit status must match.</summary>
[Trait("Category", "EndToEnd")]
public class NativeComparisonTests
{
    public static TheoryData<string[]> Commands => new()
    {
        new[] { "/bin/busybox", "sha256sum", "/etc/services" },
        new[] { "/bin/busybox", "wc", "-l", "/etc/services" },
        new[] { "/bin/busybox", "sort", "/etc/shells" },
        new[] { "/bin/busybox", "ls", "-la", "/etc" },
        new[] { "/bin/ls", "-la", "/usr" },
        new[] { "/bin/cat", "/etc/os-release" },
        new[] { "/usr/bin/sha256sum", "/etc/services" },
        new[] { "/usr/bin/stat", "-c", "%s", "/etc/services" },
        new[] { "/usr/bin/python3", "-c", "import hashlib,json;print(json.dumps(hashlib.sha256(b'x').hexdigest()))" },
        new[] { "/usr/bin/perl", "-e", "print 6*7, \"\\n\"" },
        // Processes: pipelines, command substitution, subshells.
        new[] { "/bin/bash", "-c", "for i in $(seq 1 50); do echo $i | sha256sum; done | tail -1" },
        // (sed reads all its input: with head, sort may write after head exits, and the native run's EPIPE
        // message then depends on timing.)
        new[] { "/bin/busybox", "sh", "-c", "cat /etc/services | grep tcp | sort -r | sed -n 1,20p | wc -l" },
        new[] { "/usr/bin/python3", "-c", "import subprocess,os\nprint(subprocess.run(['ls','/usr'],capture_output=True).stdout.decode())\npid=os.fork()\nif pid==0: os._exit(7)\nprint(os.waitpid(pid,0)[1]>>8)" },
        new[] { "/usr/bin/python3", "-c", "import threading\nlock = threading.Lock(); total = [0]\ndef work():\n    for i in range(2000):\n        with lock: total[0] += 1\nts = [threading.Thread(target=work) for i in range(8)]\n[t.start() for t in ts]; [t.join() for t in ts]\nprint(total[0])" },
        new[] { "/usr/bin/python3", "-c", "import signal\ndef h(s, f): print('alarm', s)\nsignal.signal(signal.SIGALRM, h)\nsignal.alarm(1)\nsignal.pause()\nprint('after')" },
        // Pool's workers are forked; its queues' locks are named semaphores in /dev/shm, shared through MAP_SHARED.
        new[] { "/usr/bin/python3", "-c", "import multiprocessing\ndef sq(x): return x * x\nif __name__ == '__main__':\n    with multiprocessing.Pool(2) as p: print(p.map(sq, range(20)))" },
        // The file-system issue's real programs (contents, not times).
        new[] { "/bin/bash", "-c", "tar -cf - /usr/share/perl5 2>/dev/null | sha256sum" },
        new[] { "/bin/bash", "-c", "find /usr/lib/python3 | wc -l" },
        new[] { "/usr/bin/python3", "-c", "import os; print(sum(len(f) for _,_,f in os.walk('/usr/lib/python3')))" },
        new[] { "/usr/bin/du", "-s", "--apparent-size", "/usr/share/perl5" },
        // inotify: inotifywait reports what another process does in the directory it watches (set up, then
        // changes, then a last file whose event says all the others have been printed).
        new[] { "/bin/bash", "-c", "d=$(mktemp -d); inotifywait -m -e create,modify,close_write,moved_to,delete --format '%e %f' \"$d\" >$d.out 2>$d.err & p=$!; " +
            "until grep -qs established $d.err; do sleep 0.01; done; echo hi >$d/x; mv $d/x $d/y; rm $d/y; mkdir $d/sub; touch $d/end; " +
            "until grep -q 'CREATE end' $d.out; do sleep 0.01; done; kill $p; wait $p; cat $d.out; rm -r $d $d.out $d.err" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void MatchesNative(string[] argv)
    {
        var native = Native(argv);
        Assert.True(native.Stdout.Length > 0, $"native run printed nothing: {native}");
        var boxed = Sandboxed(argv);
        Assert.True(native.Stdout == boxed.Stdout,
            $"stdout differs for {string.Join(' ', argv)}\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
        Assert.True(native.ExitCode == boxed.ExitCode, $"exit status differs: native {native.ExitCode}, runsc {boxed}");
        Assert.True(native.Stderr == boxed.Stderr, $"stderr differs\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
    }

    [Fact]
    public void MakeJ2BuildsACProjectWithGcc()
    {
        var dir = Directory.CreateTempSubdirectory("appkernel-make-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "a.c"), "int a(void) { return 20; }\n");
            File.WriteAllText(Path.Combine(dir.FullName, "b.c"), "int b(void) { return 22; }\n");
            File.WriteAllText(Path.Combine(dir.FullName, "main.c"), "#include <stdio.h>\nint a(void); int b(void);\nint main(void) { printf(\"%d\\n\", a() + b()); return 0; }\n");
            File.WriteAllText(Path.Combine(dir.FullName, "Makefile"), "prog: a.o b.o main.o\n\tgcc -o prog a.o b.o main.o\n%.o: %.c\n\tgcc -c $< -o $@\n");
            var r = Sandboxed(new[] { "/bin/bash", "-c", "make -s -j2 && ./prog" }, new[] { "--cwd", dir.FullName });
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("42\n", r.Stdout);
            Assert.False(File.Exists(Path.Combine(dir.FullName, "prog"))); // built in the overlay, not on the host
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void BusyboxEcho_PrintsExactlyHello()
    {
        var native = Native("/bin/busybox", "echo", "hello");
        Assert.Equal("hello\n", native.Stdout);
        var boxed = Sandboxed("/bin/busybox", "echo", "hello");
        Assert.True(boxed.ExitCode == 0, boxed.ToString());
        Assert.Equal("hello\n", boxed.Stdout);
    }

    [Fact]
    public void Perl_PrintsFortyTwo()
    {
        var boxed = Sandboxed("/usr/bin/perl", "-e", "print 6*7, \"\\n\"");
        Assert.True(boxed.ExitCode == 0, boxed.ToString());
        Assert.Equal("42\n", boxed.Stdout);
    }
}
