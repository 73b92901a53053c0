using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Mqueue;

/// <summary>/proc/sys/fs/mqueue: the limits of the reader's IPC namespace's queues, writable by root within Linux's
/// ranges (ipc/mq_sysctl.c); a change applies to queues made afterwards.</summary>
public static class MqueueSysctls
{
    public static SynthDir Dir() => new SynthDir()
        .Add("msg_default", Entry(fs => fs.MsgDefault, (fs, v) => fs.MsgDefault = v, MqueueFs.MinMsgMax, MqueueFs.HardMsgMax))
        .Add("msg_max", Entry(fs => fs.MsgMax, (fs, v) => fs.MsgMax = v, MqueueFs.MinMsgMax, MqueueFs.HardMsgMax))
        .Add("msgsize_default", Entry(fs => fs.MsgSizeDefault, (fs, v) => fs.MsgSizeDefault = v, MqueueFs.MinMsgSizeMax, MqueueFs.HardMsgSizeMax))
        .Add("msgsize_max", Entry(fs => fs.MsgSizeMax, (fs, v) => fs.MsgSizeMax = v, MqueueFs.MinMsgSizeMax, MqueueFs.HardMsgSizeMax))
        .Add("queues_max", Entry(fs => fs.QueuesMax, (fs, v) => fs.QueuesMax = v, 0, int.MaxValue));

    static SynthFile Entry(Func<MqueueFs, int> get, Action<MqueueFs, int> set, int min, int max) =>
        new(t => { var fs = t.Mqueue; lock (fs) return get(fs) + "\n"; })
        {
            Perm = 0x1a4, // 0644: root writes
            Write = (t, data) =>
            {
                // proc_dointvec_minmax: one decimal integer, blanks around it; out of range is EINVAL.
                var text = System.Text.Encoding.ASCII.GetString(data).Trim();
                if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, null, out int v) || v < min || v > max)
                    return -(long)Errno.EINVAL;
                var fs = t.Mqueue;
                lock (fs) set(fs, v);
                return data.Length;
            },
        };
}
