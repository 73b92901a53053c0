/* Edges of the calls that move or sync file data: sendfile's range check on the input offset and a file copied onto
 * its own end (a short read of a regular file is not its end); syncfs, sync_file_range and readahead check what
 * Linux checks; a pipe takes fchown and fchmod like any inode. */
#include "common.h"
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

int main(void)
{
    int mfd = memfd_create("src", 0);
    int out = memfd_create("dst", 0);
    CHECK(write(mfd, "abc", 3));
    off_t off = 0x7ffffffffffffffeLL;
    CHECK(sendfile(out, mfd, &off, 3));
    off = 0x7ffffffffffffff0LL;
    CHECK(sendfile(out, mfd, &off, 3));

    /* one byte copied onto its own end keeps being read as the file grows */
    int self = memfd_create("self", 0);
    char c = 7;
    CHECK(write(self, &c, 1));
    off = 0;
    CHECK(sendfile(self, self, &off, 1 << 16));
    printf("offset after: %ld, size: %ld\n", (long)off, (long)lseek(self, 0, SEEK_END));

    int opath = open("/tmp", O_PATH);
    CHECK(syncfs(opath));
    CHECK(syncfs(mfd));
    CHECK(sync_file_range(mfd, -1, 0, 0));
    CHECK(sync_file_range(mfd, 0, -1, 0));
    CHECK(sync_file_range(mfd, 8912, 0x7fffffffffffffffLL - 4096, 0));
    CHECK(sync_file_range(mfd, 0, 0, 8));
    CHECK(sync_file_range(mfd, 0, 0, 7));
    CHECK(sync_file_range(opath, 0, 0, 0));
    int p[2];
    CHECK(pipe(p));
    CHECK(sync_file_range(p[0], 0, 0, 0));
    int s[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
    CHECK(readahead(s[0], 1, 1));
    CHECK(readahead(p[0], 0, 1));
    CHECK(readahead(mfd, 0, 1));
    CHECK(readahead(out, 0, 1));
    CHECK(readahead(opath, 0, 1));

    /* a pipe's inode belongs to its creator and may be given away */
    struct stat st;
    CHECK(fchown(p[1], 1234, 5678));
    CHECK(fchmod(p[0], 0640));
    fstat(p[0], &st);
    printf("pipe: uid %u gid %u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
    return 0;
}
