/* A thread that dies holding a robust mutex: the next locker gets EOWNERDEAD, makes it consistent, and goes on;
 * a waiter blocked on it is woken. */
#include "common.h"
#include <pthread.h>

static pthread_mutex_t m;

static void *die_holding(void *a)
{
    pthread_mutex_lock(&m);
    return a; /* exits with the lock held */
}

static void *die_slowly(void *a)
{
    pthread_mutex_lock(&m);
    usleep(150000); /* the waiter blocks meanwhile */
    return a;
}

static void *waiter(void *a)
{
    int r = pthread_mutex_lock(&m);
    printf("waiter: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : errname(r));
    if (r == EOWNERDEAD) pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    return a;
}

int main(void)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &at);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : errname(r));
    CHECK(pthread_mutex_consistent(&m));
    CHECK(pthread_mutex_unlock(&m));
    CHECK(pthread_mutex_lock(&m));
    CHECK(pthread_mutex_unlock(&m));
    /* a waiter blocked in the kernel while the owner dies is woken with EOWNERDEAD */
    pthread_t d, w;
    pthread_create(&d, NULL, die_slowly, NULL);
    usleep(30000);
    pthread_create(&w, NULL, waiter, NULL);
    pthread_join(d, NULL);
    pthread_join(w, NULL);
    return 0;
}
