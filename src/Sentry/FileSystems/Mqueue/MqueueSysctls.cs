using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Mqueue;

/// <summary>/proc/sys/fs/mqueue: the limits of the kernel's queues, writable by root within Linux's ranges
/// (ipc/mq_sysctl.c); a change applies to queues made afterwards.</summary>
public static class MqueueSysctls
{
    public static SynthDir Dir(MqueueFs fs) => new SynthDir()
        .Add("msg_default", Entry(fs, () => fs.MsgDefault, v => fs.MsgDefault = v, MqueueFs.MinMsgMax, MqueueFs.HardMsgMax))
        .Add("msg_max", Entry(fs, () => fs.MsgMax, v => fs.MsgMax = v, MqueueFs.MinMsgMax, MqueueFs.HardMsgMax))
        .Add("msgsize_default", Entry(fs, () => fs.MsgSizeDefault, v => fs.MsgSizeDefault = v, MqueueFs.MinMsgSizeMax, MqueueFs.HardMsgSizeMax))
        .Add("msgsize_max", Entry(fs, () => fs.MsgSizeMax, v => fs.MsgSizeMax = v, MqueueFs.MinMsgSizeMax, MqueueFs.HardMsgSizeMax))
        .Add("queues_max", Entry(fs, () => fs.QueuesMax, v => fs.QueuesMax = v, 0, int.MaxValue));

    static SynthFile Entry(MqueueFs fs, Func<int> get, Action<int> set, int min, int max) =>
        new(_ => { lock (fs) return get() + "\n"; })
        {
            Perm = 0x1a4, // 0644: root writes
            Write = (_, data) =>
            {
                // proc_dointvec_minmax: one decimal integer, blanks around it; out of range is EINVAL.
                var text = System.Text.Encoding.ASCII.GetString(data).Trim();
                if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, null, out int v) || v < min || v > max)
                    return -(long)Errno.EINVAL;
                lock (fs) set(v);
                return data.Length;
            },
        };
}
