/* sigaltstack: set, get back, disable, errors. */
#include "common.h"
#include <signal.h>

int main(void)
{
    stack_t ss, old;
    memset(&old, 0xff, sizeof old);
    CHECK(sigaltstack(NULL, &old));
    printf("initial: flags=%s size=%zu\n", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "other", old.ss_size);

    static char stack[65536];
    ss.ss_sp = stack;
    ss.ss_size = sizeof stack;
    ss.ss_flags = 0;
    CHECK(sigaltstack(&ss, NULL));
    CHECK(sigaltstack(NULL, &old));
    SHOW(old.ss_sp == stack);
    printf("size=%zu flags=%d\n", old.ss_size, old.ss_flags);

    ss.ss_size = 1024; /* < MINSIGSTKSZ */
    CHECK(sigaltstack(&ss, NULL));
    ss.ss_size = sizeof stack;
    ss.ss_flags = 0x1234;
    CHECK(sigaltstack(&ss, NULL));

    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, &old));
    SHOW(old.ss_sp == stack);
    CHECK(sigaltstack(NULL, &old));
    printf("disabled: flags=%s\n", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "other");
    CHECK(sigaltstack((stack_t *)1, NULL));
    CHECK(sigaltstack(NULL, (stack_t *)1));
    return 0;
}
