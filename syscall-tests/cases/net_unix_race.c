/* Many threads ping-pong concurrently over socketpairs of each type (and some share one pair): the counts add up. */
#include "net_unix_common.h"
#include <pthread.h>

#define PAIRS 8
#define ROUNDS 2000
static int pairs[PAIRS][2];
static int types[PAIRS];
static long pings[PAIRS], pongs[PAIRS];

static void *pinger(void *arg)
{
    long i = (long)arg;
    unsigned char b = 0, r;
    for (int n = 0; n < ROUNDS; n++) {
        b = (unsigned char)n;
        if (write(pairs[i][0], &b, 1) != 1 || read(pairs[i][0], &r, 1) != 1 || r != (unsigned char)(b + 1))
            break;
        pings[i]++;
    }
    shutdown(pairs[i][0], SHUT_WR);
    return NULL;
}

static void *ponger(void *arg)
{
    long i = (long)arg;
    unsigned char b;
    while (read(pairs[i][1], &b, 1) == 1) {
        b++;
        if (write(pairs[i][1], &b, 1) != 1)
            break;
        pongs[i]++;
        if (types[i] != SOCK_STREAM && pongs[i] == ROUNDS)
            break; /* a datagram pair has no EOF */
    }
    return NULL;
}

/* Several writers and readers on one stream pair: every byte arrives once. */
static int shared[2];
static long readsum[4];
static void *swriter(void *arg)
{
    (void)arg;
    char b[100];
    memset(b, 1, sizeof b);
    for (int n = 0; n < 500; n++)
        if (write(shared[0], b, sizeof b) != sizeof b)
            break;
    return NULL;
}
static void *sreader(void *arg)
{
    long i = (long)arg;
    char b[64];
    long r;
    while ((r = read(shared[1], b, sizeof b)) > 0)
        for (long k = 0; k < r; k++)
            readsum[i] += b[k];
    return NULL;
}

int main(void)
{
    pthread_t th[2 * PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        types[i] = i % 3 == 0 ? SOCK_STREAM : i % 3 == 1 ? SOCK_DGRAM : SOCK_SEQPACKET;
        socketpair(AF_UNIX, types[i], 0, pairs[i]);
        pthread_create(&th[2 * i], NULL, pinger, (void *)(long)i);
        pthread_create(&th[2 * i + 1], NULL, ponger, (void *)(long)i);
    }
    for (int i = 0; i < 2 * PAIRS; i++)
        pthread_join(th[i], NULL);
    long tp = 0, tq = 0;
    for (int i = 0; i < PAIRS; i++) {
        tp += pings[i];
        tq += pongs[i];
    }
    printf("pings=%ld pongs=%ld\n", tp, tq);

    socketpair(AF_UNIX, SOCK_STREAM, 0, shared);
    pthread_t w[4], r[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&w[i], NULL, swriter, NULL);
        pthread_create(&r[i], NULL, sreader, (void *)(long)i);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(w[i], NULL);
    shutdown(shared[0], SHUT_WR);
    for (int i = 0; i < 4; i++)
        pthread_join(r[i], NULL);
    printf("bytes read=%ld\n", readsum[0] + readsum[1] + readsum[2] + readsum[3]);
    return 0;
}
