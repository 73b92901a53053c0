/* getrusage (self, children) and times() count the CPU time guest code spent. */
#include "common.h"
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>
int main(){ volatile double x=0; for (long i=0;i<300000000;i++) x+=i;
 struct rusage r; getrusage(RUSAGE_SELF,&r); printf("self user >= 0.1s: %d\n", r.ru_utime.tv_sec*1000000+r.ru_utime.tv_usec >= 100000);
 pid_t c=fork(); if(!c){ for (long i=0;i<300000000;i++) x+=i; _exit(0);} waitpid(c,0,0);
 getrusage(RUSAGE_CHILDREN,&r); printf("children user >= 0.1s: %d\n", r.ru_utime.tv_sec*1000000+r.ru_utime.tv_usec >= 100000);
 struct tms t; printf("times ok: %d\n", times(&t) > 0 && t.tms_cutime >= 10); return 0;}
