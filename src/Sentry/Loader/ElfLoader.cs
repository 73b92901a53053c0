using System.Text;
using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Loader;

/// <summary>
/// execve: resolves the file, follows #! interpreters, loads the ELF (and its PT_INTERP) into a
/// fresh address space, builds the initial stack and points the registers at the entry.
/// Nothing of the old image changes until the new one is complete.
/// </summary>
public static class ElfLoader
{
    const ulong PageSize = 4096;
    /// <summary>Where PIE executables go (Linux's ELF_ET_DYN_BASE without randomization).</summary>
    public const ulong DynBase = 0x5555_5555_4000;
    /// <summary>exec_binprm's limit: the file named and up to five interpreters after it (#! lines); a sixth is ELOOP.</summary>
    const int MaxScriptDepth = 5;

    sealed record Opened(VfsPath Path, FileDescription File, long Size, uint Mode, uint Uid, uint Gid);

    public static Errno Exec(Task t, int dirfd, string path, List<string> argv, List<string> envp, int flags)
    {
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        // A file named through a directory fd is /dev/fd/N[/path] to the program (Linux's bprm filename); a script
        // named so through a close-on-exec fd could not be opened by its interpreter: ENOENT.
        bool viaFd = dirfd != AT_FDCWD && (path.Length == 0 ? (flags & AT_EMPTY_PATH) != 0 : path[0] != '/');
        bool fdGoesAway = viaFd && t.Fds.GetCloexec(dirfd);
        string execfn = !viaFd ? path : path.Length == 0 ? $"/dev/fd/{dirfd}" : $"/dev/fd/{dirfd}/{path}";
        string name = execfn;
        Opened? exe = null;
        for (int depth = 0; ; depth++)
        {
            if (depth > MaxScriptDepth) return Errno.ELOOP;
            var e = OpenExecutable(t, dirfd, path, flags, out exe);
            if (e != Errno.None) return e;
            var head = new byte[256];
            int n = (int)exe!.File.ReadAt(t, head, 0);
            if (n < 0) { exe.File.DecRef(); return (Errno)(-n); }
            if (n >= 2 && head[0] == '#' && head[1] == '!')
            {
                exe.File.DecRef();
                if (depth == 0 && fdGoesAway) return Errno.ENOENT;
                e = ParseShebang(head.AsSpan(0, n), out var interp, out var arg);
                if (e != Errno.None) return e;
                var nargv = new List<string> { interp };
                if (arg != null) nargv.Add(arg);
                nargv.Add(name);
                nargv.AddRange(argv.Skip(1));
                argv = nargv;
                path = name = interp;
                dirfd = AT_FDCWD;
                flags = 0;
                continue;
            }
            if (!ElfImage.IsElf(head.AsSpan(0, n))) { exe.File.DecRef(); return Errno.ENOEXEC; }
            break;
        }
        try
        {
            return Load(t, exe, argv, envp, execfn);
        }
        finally
        {
            exe.File.DecRef();
        }
    }

    /// <summary>Parses "#!interp [arg]" (one optional argument, as Linux).</summary>
    public static Errno ParseShebang(ReadOnlySpan<byte> head, out string interp, out string? arg)
    {
        interp = ""; arg = null;
        int end = head.IndexOf((byte)'\n');
        var line = LinuxText.Decode(end >= 0 ? head[2..end] : head[2..]).Trim(' ', '\t', '\r', '\0');
        if (line.Length == 0) return Errno.ENOEXEC;
        int sp = line.IndexOfAny(new[] { ' ', '\t' });
        if (sp < 0) { interp = line; return Errno.None; }
        interp = line[..sp];
        var rest = line[sp..].Trim(' ', '\t');
        if (rest.Length > 0) arg = rest;
        return Errno.None;
    }

    static Errno OpenExecutable(Task t, int dirfd, string path, int flags, out Opened? opened)
    {
        opened = null;
        VfsPath p;
        const int AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;
        if (path.Length == 0)
        {
            if ((flags & AT_EMPTY_PATH) == 0) return Errno.ENOENT;
            using var fRef = t.Fds.Borrow(dirfd); var f = fRef.File;
            if (f == null || !f.Path.IsValid) return Errno.EBADF;
            p = f.Path;
        }
        else
        {
            var e0 = t.StartDir(dirfd, path, out var start);
            if (e0 != Errno.None) return e0;
            t.ResolvingToRead = true;
            Errno e1;
            try { e1 = PathWalker.Resolve(t, start, path, (flags & AT_SYMLINK_NOFOLLOW) == 0, out p); }
            finally { t.ResolvingToRead = false; }
            if (e1 != Errno.None) return e1;
        }
        if (p.Inode.IsSymlink) return Errno.ELOOP;
        if (!InodeMode.IsReg(p.Inode.Mode) || p.Mount.NoExec) return Errno.EACCES;
        var e = Vfs.Permissions.Check(t, p.Inode, 1);
        if (e != Errno.None) return e;
        e = Kernel.Landlock.LandlockChecks.Open(t, p, OpenFlags.O_RDONLY, exec: true, out _);
        if (e != Errno.None) return e;
        e = p.Inode.Open(t, p, OpenFlags.O_RDONLY | OpenFlags.O_LARGEFILE, out var file);
        if (e != Errno.None) return e;
        e = file!.Stat(out var st);
        if (e != Errno.None) { file.DecRef(); return e; }
        opened = new Opened(p, file, st.Size, st.Mode, st.Uid, st.Gid);
        // inotify sees the exec's open and its read of the image (Linux's do_open_execat and kernel_read); its
        // close comes with the file's.
        Fsnotify.OnFile(p, InotifyMask.IN_OPEN);
        Fsnotify.OnFile(p, InotifyMask.IN_ACCESS);
        return Errno.None;
    }

    static Errno ParseFile(Task t, Opened o, out ElfImage? img) =>
        ElfImage.Parse(o.Size, (off, buf) => (int)Math.Max(0, o.File.ReadAt(t, buf, off)), out img);

    static Errno Load(Task t, Opened exe, List<string> argv, List<string> envp, string execfn)
    {
        var e = ParseFile(t, exe, out var img);
        if (e != Errno.None) return e;
        Opened? interp = null;
        ElfImage? interpImg = null;
        if (img!.Interpreter != null)
        {
            // Linux opens an empty path as the working directory, which is no regular file.
            if (img.Interpreter.Length == 0) return Errno.EACCES;
            e = OpenExecutable(t, -100, img.Interpreter, 0, out interp);
            if (e != Errno.None) return e;
            e = ParseFile(t, interp!, out interpImg);
            if (e != Errno.None) { interp!.File.DecRef(); return Errno.ELIBBAD; }
            if (interpImg!.Interpreter != null) { interp!.File.DecRef(); return Errno.ELIBBAD; }
        }

        var platform = t.Kernel.Platform;
        // The old context waits, blocked, while the new one is built for the same guest thread: counted out (as in
        // Task.Sleep), so that the new stub spins for its load commands instead of sleeping at each.
        var old = t.Stub;
        old?.WillBlock();
        IGuestContext stub;
        try { stub = platform.NewProcess(); }
        catch (PlatformException) { interp?.File.DecRef(); old?.Woke(); return Errno.ENOMEM; }
        var mm = new MemoryManager(stub, t.Kernel.Options.CommitLimit, platform.ReservedBase, platform.ReservedSize);
        bool ok = false;
        try
        {
            ulong bias = img.Type == ElfImage.ET_DYN ? DynBase - img.MinVaddr : 0;
            e = MapSegments(t, mm, exe, img, bias);
            if (e != Errno.None) return e;
            mm.SetBrkStart(bias + img.MaxVend);
            ulong entry = bias + img.Entry;
            ulong interpBase = 0;
            if (interpImg != null)
            {
                ulong span = interpImg.MaxVend - interpImg.MinVaddr;
                // Reserve the interpreter's whole span top-down, then lay its segments into it.
                long r = mm.Mmap(0, span, 0, MemoryManager.MAP_PRIVATE | MemoryManager.MAP_ANONYMOUS, null, 0);
                if (r < 0) return (Errno)(-r);
                ulong ibias = (ulong)r - interpImg.MinVaddr;
                e = MapSegments(t, mm, interp!, interpImg, ibias);
                if (e != Errno.None) return e;
                interpBase = (ulong)r;
                entry = ibias + interpImg.Entry;
            }
            e = mm.MapStack();
            if (e != Errno.None) return e;

            // A set-id file runs with its owner's ids (not on a nosuid mount, under no_new_privs, traced, or with the
            // fs context shared with another process: Linux's LSM_UNSAFE_SHARE).
            bool readable = Vfs.Permissions.Check(t, exe.Path.Inode, 4) == Errno.None;
            const uint SetIdBits = 0xc00; // S_ISUID | S_ISGID
            bool sharedFs = (exe.Mode & SetIdBits) != 0
                && t.Kernel.Tasks().Exists(o => o.Fs == t.Fs && o.Tgid != t.Tgid && !o.Exited && !o.Zombie);
            var (euid, egid) = t.Creds.ExecIds(exe.Mode, exe.Uid, exe.Gid, exe.Path.Mount.NoSuid || t.NoNewPrivs || t.Tracer != null || sharedFs);
            bool secure = euid != t.Creds.Uid || egid != t.Creds.Gid;
            var auxv = new List<(ulong, ulong)>
            {
                (InitialStack.AT_MINSIGSTKSZ, HostAux.MinSigStkSz),
                (InitialStack.AT_HWCAP, HostAux.Hwcap), (InitialStack.AT_PAGESZ, PageSize), (InitialStack.AT_CLKTCK, 100),
                (InitialStack.AT_PHDR, bias + img.PhdrVaddr()), (InitialStack.AT_PHENT, ElfImage.PhdrSize),
                (InitialStack.AT_PHNUM, (ulong)img.Phdrs.Count), (InitialStack.AT_BASE, interpBase), (InitialStack.AT_FLAGS, 0),
                (InitialStack.AT_ENTRY, bias + img.Entry), (InitialStack.AT_UID, t.Creds.UserNs.UidToUser(t.Creds.Uid)), (InitialStack.AT_EUID, t.Creds.UserNs.UidToUser(euid)),
                (InitialStack.AT_GID, t.Creds.UserNs.GidToUser(t.Creds.Gid)), (InitialStack.AT_EGID, t.Creds.UserNs.GidToUser(egid)), (InitialStack.AT_SECURE, secure ? 1UL : 0),
                (InitialStack.AT_HWCAP2, HostAux.Hwcap2),
            };
            // The vDSO, if the platform's stub brought the host's along: clocks without a trap.
            if (HostVdso.Probe(mm.Memory) is var vdso and not 0)
            {
                auxv.Add((InitialStack.AT_SYSINFO_EHDR, vdso));
                mm.Vdso = vdso;
            }
            Span<byte> rnd = stackalloc byte[16];
            AppKernel.Platform.Native.Host.GetRandom(rnd);
            var stack = InitialStack.Build(MemoryManager.StackTop, argv, envp, execfn, auxv, rnd);
            if (!mm.Memory.Write(stack.Sp, stack.Bytes)) return Errno.EFAULT;
            mm.ArgStart = stack.ArgStart; mm.ArgEnd = stack.ArgEnd; mm.EnvStart = stack.EnvStart; mm.EnvEnd = stack.EnvEnd;
            mm.StartStack = stack.Sp;
            int auxvAt = 8 * (argv.Count + envp.Count + 3);
            mm.SavedAuxv = stack.Bytes.AsSpan(auxvAt, 16 * (auxv.Count + 4)).ToArray(); // + RANDOM, PLATFORM, EXECFN, NULL
            RecordLayout(mm, img, bias);

            // Point of no return: the new image replaces the old.
            var regs = stub.Template;
            regs.R15 = regs.R14 = regs.R13 = regs.R12 = regs.Rbp = regs.Rbx = regs.R11 = regs.R10 = regs.R9 = regs.R8 = 0;
            regs.Rax = regs.Rcx = regs.Rdx = regs.Rsi = regs.Rdi = 0;
            regs.OrigRax = ulong.MaxValue;
            regs.Rip = entry;
            regs.Rsp = stack.Sp;
            regs.FsBase = regs.GsBase = 0;
            regs.Eflags = 0x202;
            // Other threads of the process die now and a non-leader takes the leader's pid (de_thread).
            if (!t.Group.KillOthersForExec(t, t.Kernel.Log)) return Errno.EAGAIN;
            t.InstallAddressSpace(stub, mm);
            t.Regs = regs;
            t.Creds.SetExecIds(euid, egid);
            // Dumpable unless the exec changed ids or the file could not be read (Linux's begin_new_exec: would_dump).
            mm.Dumpable = !readable || t.Creds.Euid != t.Creds.Uid || t.Creds.Egid != t.Creds.Gid
                ? MemoryManager.SuidDumpable : MemoryManager.SuidDumpUser;
            t.Creds.OnExec();
            t.UnshareFds();
            t.Fds.CloseOnExec();
            t.Signals.UnshareActions();
            t.Signals.ResetHandlers();
            t.Signals.AltStack = new SigAltStack { Flags = 2 };
            t.Exe = exe.Path;
            // comm is the last component of the name given to execve, as Linux's kbasename(bprm->filename):
            // "python3" for /usr/bin/python3 even though that is a symlink to python3.11.
            string name = execfn.TrimEnd('/') is { Length: > 0 } fn ? fn[(fn.LastIndexOf('/') + 1)..] : exe.Path.Dentry.Name;
            t.Comm = LinuxText.Truncate(name, 15);
            t.RobustList = 0;
            t.ClearChildTid = 0;
            t.RseqReset();
            t.Creds.ThreadKeyring = t.Creds.ProcessKeyring = null; // exec keeps only the session keyring
            ok = true;
            return Errno.None;
        }
        finally
        {
            interp?.File.DecRef();
            if (!ok)
            {
                stub.Dispose();
                old?.Woke(); // it runs on (a replaced context was disposed, and counted out, by InstallAddressSpace)
            }
        }
    }

    /// <summary>Linux's mm->start_code/end_code/start_data/end_data, as load_elf_binary computes them.</summary>
    static void RecordLayout(MemoryManager mm, ElfImage img, ulong bias)
    {
        ulong startCode = ulong.MaxValue, endCode = 0, startData = 0, endData = 0;
        foreach (var p in img.Phdrs)
        {
            if (p.Type != ElfImage.PT_LOAD) continue;
            bool exec = (p.Flags & 1) != 0;
            if (exec && p.Vaddr < startCode) startCode = p.Vaddr;
            if (startData < p.Vaddr) startData = p.Vaddr;
            ulong end = p.Vaddr + p.Filesz;
            if (exec && endCode < end) endCode = end;
            if (endData < end) endData = end;
        }
        if (startCode == ulong.MaxValue) startCode = 0;
        mm.StartCode = startCode + bias; mm.EndCode = endCode + bias;
        mm.StartData = startData + bias; mm.EndData = endData + bias;
    }

    static Errno MapSegments(Task t, MemoryManager mm, Opened o, ElfImage img, ulong bias)
    {
        var file = o.File.Mappable;
        if (file == null) return Errno.EACCES;
        foreach (var p in img.Phdrs)
        {
            if (p.Type != ElfImage.PT_LOAD || p.Memsz == 0) continue;
            int prot = ((p.Flags & 4) != 0 ? MemoryManager.PROT_READ : 0) | ((p.Flags & 2) != 0 ? MemoryManager.PROT_WRITE : 0) |
                       ((p.Flags & 1) != 0 ? MemoryManager.PROT_EXEC : 0);
            ulong start = bias + p.Vaddr;
            ulong pageStart = start & ~(PageSize - 1);
            ulong pageOff = start - pageStart;
            ulong fileEnd = start + p.Filesz;
            ulong memEnd = start + p.Memsz;
            const int fixedPrivate = MemoryManager.MAP_FIXED | MemoryManager.MAP_PRIVATE;
            ulong zeroStart = pageStart;
            if (p.Filesz > 0)
            {
                long r = mm.Mmap(pageStart, pageOff + p.Filesz, prot, fixedPrivate, file, p.Offset - pageOff);
                if (r < 0) return (Errno)(-r);
                zeroStart = (fileEnd + PageSize - 1) & ~(PageSize - 1);
                // The file's page holds whatever follows the segment; the part that is bss must read as zeros
                // (Linux's padzero). Only a writable segment has bss in its last file page.
                if (memEnd > fileEnd && zeroStart > fileEnd && (prot & MemoryManager.PROT_WRITE) != 0 &&
                    !mm.Memory.Write(fileEnd, new byte[zeroStart - fileEnd]))
                    return Errno.EFAULT;
            }
            if (memEnd > zeroStart)
            {
                // Whole pages past the file's are brk-like memory (vm_brk_flags): readable and writable whatever the
                // segment says, executable if it is.
                int anonProt = MemoryManager.PROT_READ | MemoryManager.PROT_WRITE | (prot & MemoryManager.PROT_EXEC);
                long r = mm.Mmap(zeroStart, memEnd - zeroStart, anonProt, fixedPrivate | MemoryManager.MAP_ANONYMOUS, null, 0);
                if (r < 0) return (Errno)(-r);
            }
        }
        return Errno.None;
    }
}

/// <summary>The host's AT_HWCAP, AT_HWCAP2 and AT_MINSIGSTKSZ: the guest runs on the same CPU.</summary>
static class HostAux
{
    public static readonly ulong Hwcap, Hwcap2, MinSigStkSz = 2048;

    static HostAux()
    {
        try
        {
            var b = File.ReadAllBytes("/proc/self/auxv");
            for (int i = 0; i + 16 <= b.Length; i += 16)
            {
                ulong k = BitConverter.ToUInt64(b, i), v = BitConverter.ToUInt64(b, i + 8);
                if (k == InitialStack.AT_HWCAP) Hwcap = v;
                else if (k == InitialStack.AT_HWCAP2) Hwcap2 = v;
                else if (k == InitialStack.AT_MINSIGSTKSZ) MinSigStkSz = v;
            }
        }
        catch (IOException) { }
    }
}
