/* Threads: pthread create/join with a contended mutex, each thread its own tid, and exit() of the process
 * while a thread blocks in a futex (the whole group ends with the status). */
#include "common.h"
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/syscall.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; static long counter;
static void *work(void *a) { for (int i = 0; i < 10000; i++) { pthread_mutex_lock(&m); counter++; pthread_mutex_unlock(&m); } return (void*)(long)(syscall(SYS_gettid) != getpid()); }
static void *block(void *a) { pthread_mutex_lock(&m); pthread_mutex_lock(&m); return 0; }
int main() {
  pthread_t t[4]; for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, work, 0);
  long ok = 0; for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); ok += (long)r; }
  printf("counter %ld, own tids %ld\n", counter, ok);
  pthread_t b; pthread_create(&b, 0, block, 0); usleep(100000);
  printf("exiting with a thread blocked\n"); fflush(stdout);
  exit(3); }
