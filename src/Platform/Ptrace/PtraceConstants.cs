namespace AppKernel.Platform.Ptrace;

static class PtraceConstants
{
    public const long PTRACE_CONT = 7, PTRACE_KILL = 8, PTRACE_GETREGS = 12, PTRACE_SETREGS = 13,
        PTRACE_GETFPREGS = 14, PTRACE_SETFPREGS = 15, PTRACE_SYSEMU = 31,
        PTRACE_SETOPTIONS = 0x4200, PTRACE_GETSIGINFO = 0x4202, PTRACE_SEIZE = 0x4206, PTRACE_INTERRUPT = 0x4207;
    public const long PTRACE_O_TRACESYSGOOD = 1, PTRACE_O_EXITKILL = 0x100000;
    public const int PTRACE_EVENT_STOP = 128;
    public const int __WALL = 0x40000000;
    public const int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11;
}
