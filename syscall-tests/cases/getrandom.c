/* getrandom: sizes, flags, errors; the bytes themselves are not printed. */
#include "common.h"
#include <sys/random.h>

int main(void)
{
    unsigned char a[32], b[32];
    memset(a, 0, sizeof a);
    CHECK(getrandom(a, 32, 0));
    CHECK(getrandom(b, 32, GRND_NONBLOCK));
    SHOW(memcmp(a, b, 32) != 0);
    int nz = 0;
    for (int i = 0; i < 32; i++)
        nz |= a[i];
    SHOW(nz != 0);
    CHECK(getrandom(a, 0, 0));
    CHECK(getrandom(a, 16, GRND_RANDOM));
    CHECK(getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK) >= 0 || errno == EAGAIN);
    CHECK(getrandom(a, 16, 0x100));
    CHECK(getrandom((void *)1, 16, 0));
    static unsigned char big[1 << 20];
    long n = getrandom(big, sizeof big, 0);
    SHOW(n > 0 && n <= (long)sizeof big);
    return 0;
}
