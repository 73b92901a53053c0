/* CPU-time timers armed centuries away (found by fuzz/sysfuzz: the deadline wrapped into the past, the timer
 * fired at once and the Sentry's poll then looped for ever catching up by the interval). A far ITIMER_PROF or
 * ITIMER_VIRTUAL never fires, reports a huge time left, and a later near one still fires. */
#include "common.h"
#include <signal.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t prof, virt;
static void on_sig(int sig) { if (sig == SIGPROF) prof++; else virt++; }

static void burn_ms(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    do clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(void)
{
    signal(SIGPROF, on_sig);
    signal(SIGVTALRM, on_sig);
    struct itimerval far = { { 0, 10 }, { 0x7fffffffffffL, 0 } }, cur;
    CHECK(setitimer(ITIMER_PROF, &far, NULL));
    CHECK(setitimer(ITIMER_VIRTUAL, &far, NULL));
    burn_ms(200);
    SHOW(prof == 0);
    SHOW(virt == 0);
    CHECK(getitimer(ITIMER_PROF, &cur));
    SHOW(cur.it_value.tv_sec > 1000000000L);
    CHECK(getitimer(ITIMER_VIRTUAL, &cur));
    SHOW(cur.it_value.tv_sec > 1000000000L);

    struct itimerval near = { { 0, 20000 }, { 0, 20000 } };
    CHECK(setitimer(ITIMER_PROF, &near, NULL));
    burn_ms(300);
    CHECK(setitimer(ITIMER_PROF, &(struct itimerval){ 0 }, NULL));
    CHECK(setitimer(ITIMER_VIRTUAL, &(struct itimerval){ 0 }, NULL));
    SHOW(prof > 0);
    return 0;
}
