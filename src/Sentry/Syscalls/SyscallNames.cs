namespace AppKernel.Sentry.Syscalls;

/// <summary>x86-64 syscall numbers and names (generated from asm/unistd_64.h).</summary>
public static class SyscallNames
{
    public const int Count = 463;
    public static readonly string[] Names = new string[Count]
    {
        "read",
        "write",
        "open",
        "close",
        "stat",
        "fstat",
        "lstat",
        "poll",
        "lseek",
        "mmap",
        "mprotect",
        "munmap",
        "brk",
        "rt_sigaction",
        "rt_sigprocmask",
        "rt_sigreturn",
        "ioctl",
        "pread64",
        "pwrite64",
        "readv",
        "writev",
        "access",
        "pipe",
        "select",
        "sched_yield",
        "mremap",
        "msync",
        "mincore",
        "madvise",
        "shmget",
        "shmat",
        "shmctl",
        "dup",
        "dup2",
        "pause",
        "nanosleep",
        "getitimer",
        "alarm",
        "setitimer",
        "getpid",
        "sendfile",
        "socket",
        "connect",
        "accept",
        "sendto",
        "recvfrom",
        "sendmsg",
        "recvmsg",
        "shutdown",
        "bind",
        "listen",
        "getsockname",
        "getpeername",
        "socketpair",
        "setsockopt",
        "getsockopt",
        "clone",
        "fork",
        "vfork",
        "execve",
        "exit",
        "wait4",
        "kill",
        "uname",
        "semget",
        "semop",
        "semctl",
        "shmdt",
        "msgget",
        "msgsnd",
        "msgrcv",
        "msgctl",
        "fcntl",
        "flock",
        "fsync",
        "fdatasync",
        "truncate",
        "ftruncate",
        "getdents",
        "getcwd",
        "chdir",
        "fchdir",
        "rename",
        "mkdir",
        "rmdir",
        "creat",
        "link",
        "unlink",
        "symlink",
        "readlink",
        "chmod",
        "fchmod",
        "chown",
        "fchown",
        "lchown",
        "umask",
        "gettimeofday",
        "getrlimit",
        "getrusage",
        "sysinfo",
        "times",
        "ptrace",
        "getuid",
        "syslog",
        "getgid",
        "setuid",
        "setgid",
        "geteuid",
        "getegid",
        "setpgid",
        "getppid",
        "getpgrp",
        "setsid",
        "setreuid",
        "setregid",
        "getgroups",
        "setgroups",
        "setresuid",
        "getresuid",
        "setresgid",
        "getresgid",
        "getpgid",
        "setfsuid",
        "setfsgid",
        "getsid",
        "capget",
        "capset",
        "rt_sigpending",
        "rt_sigtimedwait",
        "rt_sigqueueinfo",
        "rt_sigsuspend",
        "sigaltstack",
        "utime",
        "mknod",
        "uselib",
        "personality",
        "ustat",
        "statfs",
        "fstatfs",
        "sysfs",
        "getpriority",
        "setpriority",
        "sched_setparam",
        "sched_getparam",
        "sched_setscheduler",
        "sched_getscheduler",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "sched_rr_get_interval",
        "mlock",
        "munlock",
        "mlockall",
        "munlockall",
        "vhangup",
        "modify_ldt",
        "pivot_root",
        "_sysctl",
        "prctl",
        "arch_prctl",
        "adjtimex",
        "setrlimit",
        "chroot",
        "sync",
        "acct",
        "settimeofday",
        "mount",
        "umount2",
        "swapon",
        "swapoff",
        "reboot",
        "sethostname",
        "setdomainname",
        "iopl",
        "ioperm",
        "create_module",
        "init_module",
        "delete_module",
        "get_kernel_syms",
        "query_module",
        "quotactl",
        "nfsservctl",
        "getpmsg",
        "putpmsg",
        "afs_syscall",
        "tuxcall",
        "security",
        "gettid",
        "readahead",
        "setxattr",
        "lsetxattr",
        "fsetxattr",
        "getxattr",
        "lgetxattr",
        "fgetxattr",
        "listxattr",
        "llistxattr",
        "flistxattr",
        "removexattr",
        "lremovexattr",
        "fremovexattr",
        "tkill",
        "time",
        "futex",
        "sched_setaffinity",
        "sched_getaffinity",
        "set_thread_area",
        "io_setup",
        "io_destroy",
        "io_getevents",
        "io_submit",
        "io_cancel",
        "get_thread_area",
        "lookup_dcookie",
        "epoll_create",
        "epoll_ctl_old",
        "epoll_wait_old",
        "remap_file_pages",
        "getdents64",
        "set_tid_address",
        "restart_syscall",
        "semtimedop",
        "fadvise64",
        "timer_create",
        "timer_settime",
        "timer_gettime",
        "timer_getoverrun",
        "timer_delete",
        "clock_settime",
        "clock_gettime",
        "clock_getres",
        "clock_nanosleep",
        "exit_group",
        "epoll_wait",
        "epoll_ctl",
        "tgkill",
        "utimes",
        "vserver",
        "mbind",
        "set_mempolicy",
        "get_mempolicy",
        "mq_open",
        "mq_unlink",
        "mq_timedsend",
        "mq_timedreceive",
        "mq_notify",
        "mq_getsetattr",
        "kexec_load",
        "waitid",
        "add_key",
        "request_key",
        "keyctl",
        "ioprio_set",
        "ioprio_get",
        "inotify_init",
        "inotify_add_watch",
        "inotify_rm_watch",
        "migrate_pages",
        "openat",
        "mkdirat",
        "mknodat",
        "fchownat",
        "futimesat",
        "newfstatat",
        "unlinkat",
        "renameat",
        "linkat",
        "symlinkat",
        "readlinkat",
        "fchmodat",
        "faccessat",
        "pselect6",
        "ppoll",
        "unshare",
        "set_robust_list",
        "get_robust_list",
        "splice",
        "tee",
        "sync_file_range",
        "vmsplice",
        "move_pages",
        "utimensat",
        "epoll_pwait",
        "signalfd",
        "timerfd_create",
        "eventfd",
        "fallocate",
        "timerfd_settime",
        "timerfd_gettime",
        "accept4",
        "signalfd4",
        "eventfd2",
        "epoll_create1",
        "dup3",
        "pipe2",
        "inotify_init1",
        "preadv",
        "pwritev",
        "rt_tgsigqueueinfo",
        "perf_event_open",
        "recvmmsg",
        "fanotify_init",
        "fanotify_mark",
        "prlimit64",
        "name_to_handle_at",
        "open_by_handle_at",
        "clock_adjtime",
        "syncfs",
        "sendmmsg",
        "setns",
        "getcpu",
        "process_vm_readv",
        "process_vm_writev",
        "kcmp",
        "finit_module",
        "sched_setattr",
        "sched_getattr",
        "renameat2",
        "seccomp",
        "getrandom",
        "memfd_create",
        "kexec_file_load",
        "bpf",
        "execveat",
        "userfaultfd",
        "membarrier",
        "mlock2",
        "copy_file_range",
        "preadv2",
        "pwritev2",
        "pkey_mprotect",
        "pkey_alloc",
        "pkey_free",
        "statx",
        "io_pgetevents",
        "rseq",
        "syscall_335",
        "syscall_336",
        "syscall_337",
        "syscall_338",
        "syscall_339",
        "syscall_340",
        "syscall_341",
        "syscall_342",
        "syscall_343",
        "syscall_344",
        "syscall_345",
        "syscall_346",
        "syscall_347",
        "syscall_348",
        "syscall_349",
        "syscall_350",
        "syscall_351",
        "syscall_352",
        "syscall_353",
        "syscall_354",
        "syscall_355",
        "syscall_356",
        "syscall_357",
        "syscall_358",
        "syscall_359",
        "syscall_360",
        "syscall_361",
        "syscall_362",
        "syscall_363",
        "syscall_364",
        "syscall_365",
        "syscall_366",
        "syscall_367",
        "syscall_368",
        "syscall_369",
        "syscall_370",
        "syscall_371",
        "syscall_372",
        "syscall_373",
        "syscall_374",
        "syscall_375",
        "syscall_376",
        "syscall_377",
        "syscall_378",
        "syscall_379",
        "syscall_380",
        "syscall_381",
        "syscall_382",
        "syscall_383",
        "syscall_384",
        "syscall_385",
        "syscall_386",
        "syscall_387",
        "syscall_388",
        "syscall_389",
        "syscall_390",
        "syscall_391",
        "syscall_392",
        "syscall_393",
        "syscall_394",
        "syscall_395",
        "syscall_396",
        "syscall_397",
        "syscall_398",
        "syscall_399",
        "syscall_400",
        "syscall_401",
        "syscall_402",
        "syscall_403",
        "syscall_404",
        "syscall_405",
        "syscall_406",
        "syscall_407",
        "syscall_408",
        "syscall_409",
        "syscall_410",
        "syscall_411",
        "syscall_412",
        "syscall_413",
        "syscall_414",
        "syscall_415",
        "syscall_416",
        "syscall_417",
        "syscall_418",
        "syscall_419",
        "syscall_420",
        "syscall_421",
        "syscall_422",
        "syscall_423",
        "pidfd_send_signal",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "open_tree",
        "move_mount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "pidfd_open",
        "clone3",
        "close_range",
        "openat2",
        "pidfd_getfd",
        "faccessat2",
        "process_madvise",
        "epoll_pwait2",
        "mount_setattr",
        "quotactl_fd",
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
        "memfd_secret",
        "process_mrelease",
        "futex_waitv",
        "set_mempolicy_home_node",
        // Newer than Debian 12's headers (Linux 6.6+).
        "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue",
        "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal",
    };

    public static string Of(long nr) => nr >= 0 && nr < Count ? Names[nr] : $"syscall_{nr}";
}

/// <summary>Syscall numbers the Sentry refers to by name.</summary>
public static class Nr
{
    public const int read = 0;
    public const int write = 1;
    public const int open = 2;
    public const int close = 3;
    public const int stat = 4;
    public const int fstat = 5;
    public const int lstat = 6;
    public const int poll = 7;
    public const int lseek = 8;
    public const int mmap = 9;
    public const int mprotect = 10;
    public const int munmap = 11;
    public const int brk = 12;
    public const int rt_sigaction = 13;
    public const int rt_sigprocmask = 14;
    public const int rt_sigreturn = 15;
    public const int ioctl = 16;
    public const int pread64 = 17;
    public const int pwrite64 = 18;
    public const int readv = 19;
    public const int writev = 20;
    public const int access = 21;
    public const int pipe = 22;
    public const int select = 23;
    public const int sched_yield = 24;
    public const int mremap = 25;
    public const int msync = 26;
    public const int mincore = 27;
    public const int madvise = 28;
    public const int shmget = 29;
    public const int shmat = 30;
    public const int shmctl = 31;
    public const int dup = 32;
    public const int dup2 = 33;
    public const int pause = 34;
    public const int nanosleep = 35;
    public const int getitimer = 36;
    public const int alarm = 37;
    public const int setitimer = 38;
    public const int getpid = 39;
    public const int sendfile = 40;
    public const int socket = 41;
    public const int connect = 42;
    public const int accept = 43;
    public const int sendto = 44;
    public const int recvfrom = 45;
    public const int sendmsg = 46;
    public const int recvmsg = 47;
    public const int shutdown = 48;
    public const int bind = 49;
    public const int listen = 50;
    public const int getsockname = 51;
    public const int getpeername = 52;
    public const int socketpair = 53;
    public const int setsockopt = 54;
    public const int getsockopt = 55;
    public const int clone = 56;
    public const int fork = 57;
    public const int vfork = 58;
    public const int execve = 59;
    public const int exit = 60;
    public const int wait4 = 61;
    public const int kill = 62;
    public const int uname = 63;
    public const int semget = 64;
    public const int semop = 65;
    public const int semctl = 66;
    public const int shmdt = 67;
    public const int msgget = 68;
    public const int msgsnd = 69;
    public const int msgrcv = 70;
    public const int msgctl = 71;
    public const int fcntl = 72;
    public const int flock = 73;
    public const int fsync = 74;
    public const int fdatasync = 75;
    public const int truncate = 76;
    public const int ftruncate = 77;
    public const int getdents = 78;
    public const int getcwd = 79;
    public const int chdir = 80;
    public const int fchdir = 81;
    public const int rename = 82;
    public const int mkdir = 83;
    public const int rmdir = 84;
    public const int creat = 85;
    public const int link = 86;
    public const int unlink = 87;
    public const int symlink = 88;
    public const int readlink = 89;
    public const int chmod = 90;
    public const int fchmod = 91;
    public const int chown = 92;
    public const int fchown = 93;
    public const int lchown = 94;
    public const int umask = 95;
    public const int gettimeofday = 96;
    public const int getrlimit = 97;
    public const int getrusage = 98;
    public const int sysinfo = 99;
    public const int times = 100;
    public const int ptrace = 101;
    public const int getuid = 102;
    public const int syslog = 103;
    public const int getgid = 104;
    public const int setuid = 105;
    public const int setgid = 106;
    public const int geteuid = 107;
    public const int getegid = 108;
    public const int setpgid = 109;
    public const int getppid = 110;
    public const int getpgrp = 111;
    public const int setsid = 112;
    public const int setreuid = 113;
    public const int setregid = 114;
    public const int getgroups = 115;
    public const int setgroups = 116;
    public const int setresuid = 117;
    public const int getresuid = 118;
    public const int setresgid = 119;
    public const int getresgid = 120;
    public const int getpgid = 121;
    public const int setfsuid = 122;
    public const int setfsgid = 123;
    public const int getsid = 124;
    public const int capget = 125;
    public const int capset = 126;
    public const int rt_sigpending = 127;
    public const int rt_sigtimedwait = 128;
    public const int rt_sigqueueinfo = 129;
    public const int rt_sigsuspend = 130;
    public const int sigaltstack = 131;
    public const int utime = 132;
    public const int mknod = 133;
    public const int uselib = 134;
    public const int personality = 135;
    public const int ustat = 136;
    public const int statfs = 137;
    public const int fstatfs = 138;
    public const int sysfs = 139;
    public const int getpriority = 140;
    public const int setpriority = 141;
    public const int sched_setparam = 142;
    public const int sched_getparam = 143;
    public const int sched_setscheduler = 144;
    public const int sched_getscheduler = 145;
    public const int sched_get_priority_max = 146;
    public const int sched_get_priority_min = 147;
    public const int sched_rr_get_interval = 148;
    public const int mlock = 149;
    public const int munlock = 150;
    public const int mlockall = 151;
    public const int munlockall = 152;
    public const int vhangup = 153;
    public const int modify_ldt = 154;
    public const int pivot_root = 155;
    public const int _sysctl = 156;
    public const int prctl = 157;
    public const int arch_prctl = 158;
    public const int adjtimex = 159;
    public const int setrlimit = 160;
    public const int chroot = 161;
    public const int sync = 162;
    public const int acct = 163;
    public const int settimeofday = 164;
    public const int mount = 165;
    public const int umount2 = 166;
    public const int swapon = 167;
    public const int swapoff = 168;
    public const int reboot = 169;
    public const int sethostname = 170;
    public const int setdomainname = 171;
    public const int iopl = 172;
    public const int ioperm = 173;
    public const int create_module = 174;
    public const int init_module = 175;
    public const int delete_module = 176;
    public const int get_kernel_syms = 177;
    public const int query_module = 178;
    public const int quotactl = 179;
    public const int nfsservctl = 180;
    public const int getpmsg = 181;
    public const int putpmsg = 182;
    public const int afs_syscall = 183;
    public const int tuxcall = 184;
    public const int security = 185;
    public const int gettid = 186;
    public const int readahead = 187;
    public const int setxattr = 188;
    public const int lsetxattr = 189;
    public const int fsetxattr = 190;
    public const int getxattr = 191;
    public const int lgetxattr = 192;
    public const int fgetxattr = 193;
    public const int listxattr = 194;
    public const int llistxattr = 195;
    public const int flistxattr = 196;
    public const int removexattr = 197;
    public const int lremovexattr = 198;
    public const int fremovexattr = 199;
    public const int tkill = 200;
    public const int time = 201;
    public const int futex = 202;
    public const int sched_setaffinity = 203;
    public const int sched_getaffinity = 204;
    public const int set_thread_area = 205;
    public const int io_setup = 206;
    public const int io_destroy = 207;
    public const int io_getevents = 208;
    public const int io_submit = 209;
    public const int io_cancel = 210;
    public const int get_thread_area = 211;
    public const int lookup_dcookie = 212;
    public const int epoll_create = 213;
    public const int epoll_ctl_old = 214;
    public const int epoll_wait_old = 215;
    public const int remap_file_pages = 216;
    public const int getdents64 = 217;
    public const int set_tid_address = 218;
    public const int restart_syscall = 219;
    public const int semtimedop = 220;
    public const int fadvise64 = 221;
    public const int timer_create = 222;
    public const int timer_settime = 223;
    public const int timer_gettime = 224;
    public const int timer_getoverrun = 225;
    public const int timer_delete = 226;
    public const int clock_settime = 227;
    public const int clock_gettime = 228;
    public const int clock_getres = 229;
    public const int clock_nanosleep = 230;
    public const int exit_group = 231;
    public const int epoll_wait = 232;
    public const int epoll_ctl = 233;
    public const int tgkill = 234;
    public const int utimes = 235;
    public const int vserver = 236;
    public const int mbind = 237;
    public const int set_mempolicy = 238;
    public const int get_mempolicy = 239;
    public const int mq_open = 240;
    public const int mq_unlink = 241;
    public const int mq_timedsend = 242;
    public const int mq_timedreceive = 243;
    public const int mq_notify = 244;
    public const int mq_getsetattr = 245;
    public const int kexec_load = 246;
    public const int waitid = 247;
    public const int add_key = 248;
    public const int request_key = 249;
    public const int keyctl = 250;
    public const int ioprio_set = 251;
    public const int ioprio_get = 252;
    public const int inotify_init = 253;
    public const int inotify_add_watch = 254;
    public const int inotify_rm_watch = 255;
    public const int migrate_pages = 256;
    public const int openat = 257;
    public const int mkdirat = 258;
    public const int mknodat = 259;
    public const int fchownat = 260;
    public const int futimesat = 261;
    public const int newfstatat = 262;
    public const int unlinkat = 263;
    public const int renameat = 264;
    public const int linkat = 265;
    public const int symlinkat = 266;
    public const int readlinkat = 267;
    public const int fchmodat = 268;
    public const int faccessat = 269;
    public const int pselect6 = 270;
    public const int ppoll = 271;
    public const int unshare = 272;
    public const int set_robust_list = 273;
    public const int get_robust_list = 274;
    public const int splice = 275;
    public const int tee = 276;
    public const int sync_file_range = 277;
    public const int vmsplice = 278;
    public const int move_pages = 279;
    public const int utimensat = 280;
    public const int epoll_pwait = 281;
    public const int signalfd = 282;
    public const int timerfd_create = 283;
    public const int eventfd = 284;
    public const int fallocate = 285;
    public const int timerfd_settime = 286;
    public const int timerfd_gettime = 287;
    public const int accept4 = 288;
    public const int signalfd4 = 289;
    public const int eventfd2 = 290;
    public const int epoll_create1 = 291;
    public const int dup3 = 292;
    public const int pipe2 = 293;
    public const int inotify_init1 = 294;
    public const int preadv = 295;
    public const int pwritev = 296;
    public const int rt_tgsigqueueinfo = 297;
    public const int perf_event_open = 298;
    public const int recvmmsg = 299;
    public const int fanotify_init = 300;
    public const int fanotify_mark = 301;
    public const int prlimit64 = 302;
    public const int name_to_handle_at = 303;
    public const int open_by_handle_at = 304;
    public const int clock_adjtime = 305;
    public const int syncfs = 306;
    public const int sendmmsg = 307;
    public const int setns = 308;
    public const int getcpu = 309;
    public const int process_vm_readv = 310;
    public const int process_vm_writev = 311;
    public const int kcmp = 312;
    public const int finit_module = 313;
    public const int sched_setattr = 314;
    public const int sched_getattr = 315;
    public const int renameat2 = 316;
    public const int seccomp = 317;
    public const int getrandom = 318;
    public const int memfd_create = 319;
    public const int kexec_file_load = 320;
    public const int bpf = 321;
    public const int execveat = 322;
    public const int userfaultfd = 323;
    public const int membarrier = 324;
    public const int mlock2 = 325;
    public const int copy_file_range = 326;
    public const int preadv2 = 327;
    public const int pwritev2 = 328;
    public const int pkey_mprotect = 329;
    public const int pkey_alloc = 330;
    public const int pkey_free = 331;
    public const int statx = 332;
    public const int io_pgetevents = 333;
    public const int rseq = 334;
    public const int pidfd_send_signal = 424;
    public const int io_uring_setup = 425;
    public const int io_uring_enter = 426;
    public const int io_uring_register = 427;
    public const int open_tree = 428;
    public const int move_mount = 429;
    public const int fsopen = 430;
    public const int fsconfig = 431;
    public const int fsmount = 432;
    public const int fspick = 433;
    public const int pidfd_open = 434;
    public const int clone3 = 435;
    public const int close_range = 436;
    public const int openat2 = 437;
    public const int pidfd_getfd = 438;
    public const int faccessat2 = 439;
    public const int process_madvise = 440;
    public const int epoll_pwait2 = 441;
    public const int mount_setattr = 442;
    public const int quotactl_fd = 443;
    public const int landlock_create_ruleset = 444;
    public const int landlock_add_rule = 445;
    public const int landlock_restrict_self = 446;
    public const int memfd_secret = 447;
    public const int process_mrelease = 448;
    public const int futex_waitv = 449;
    public const int set_mempolicy_home_node = 450;
    public const int cachestat = 451;
    public const int fchmodat2 = 452;
    public const int mseal = 462;
}
