/* Signal delivery: handlers with siginfo on an alternate stack, FP state kept across a handler, SIGCHLD,
 * a SIGSEGV handler that recovers, sigwaitinfo/sigtimedwait, a default action killing a child. */
#include "common.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <sys/mman.h>
static volatile int got; static sigjmp_buf jb; static char *ro;
static void h(int s, siginfo_t *si, void *uc){ got = s; printf("handler %d code %d\n", s, si->si_code); }
static void segv(int s, siginfo_t *si, void *uc){ printf("segv addr ok %d\n", si->si_addr == ro); siglongjmp(jb, 1); }
int main(){
  struct sigaction sa; memset(&sa,0,sizeof sa); sa.sa_sigaction=h; sa.sa_flags=SA_SIGINFO|SA_ONSTACK;
  stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0 }; sigaltstack(&ss, 0);
  sigaction(SIGUSR1,&sa,0); raise(SIGUSR1); printf("got %d\n", got);
  double d = 1.5; got=0; kill(getpid(), SIGUSR1); printf("float ok %d\n", d*2 == 3.0);
  sigaction(SIGCHLD,&sa,0); pid_t c=fork(); if(!c) _exit(2); int st; waitpid(c,&st,0); printf("chld got %d status %d\n", got, WEXITSTATUS(st));
  ro = mmap(0,4096,PROT_READ,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
  struct sigaction sb; memset(&sb,0,sizeof sb); sb.sa_sigaction=segv; sb.sa_flags=SA_SIGINFO; sigaction(SIGSEGV,&sb,0);
  if (!sigsetjmp(jb,1)) { ro[0]=1; printf("no fault?\n"); } else printf("recovered\n");
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR2); sigprocmask(SIG_BLOCK,&set,0);
  kill(getpid(), SIGUSR2); siginfo_t si; int s = sigwaitinfo(&set, &si); printf("sigwait %d code %d\n", s, si.si_code);
  struct timespec z = {0, 1000000}; printf("timedwait %d\n", sigtimedwait(&set, &si, &z));
  signal(SIGCHLD, SIG_DFL); signal(SIGTERM, SIG_DFL); c = fork(); if (!c) { pause(); _exit(0);} usleep(100000); kill(c, SIGTERM); waitpid(c,&st,0); printf("killed by %d\n", WTERMSIG(st));
  return 0; }
