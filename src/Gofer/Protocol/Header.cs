using System.Buffers.Binary;

namespace AppKernel.Gofer.Protocol;

/// <summary>The 12-byte header of every message: u32 totalLength, u16 version, u16 op, u32 tag (little endian).</summary>
public readonly record struct MessageHeader(uint Length, ushort Version, ushort Op, uint Tag)
{
    /// <summary>Reads the header fields without judging them; false if fewer than 12 bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> msg, out MessageHeader h)
    {
        h = default;
        if (msg.Length < Wire.HeaderSize) return false;
        h = new MessageHeader(BinaryPrimitives.ReadUInt32LittleEndian(msg),
            BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(msg[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]));
        return true;
    }

    /// <summary>The framing checks shared by requests and replies: length matches the packet, version 1.</summary>
    public bool Frames(int packetLength) =>
        Length == (uint)packetLength && packetLength <= Wire.MaxMessage && Version == Wire.Version;
}
