/* uname: only sysname and machine are printed; the rest is checked. */
#include "common.h"
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    CHECK(uname(&u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    SHOW(strlen(u.release) > 0 && u.release[0] >= '2' && u.release[0] <= '9');
    SHOW(strlen(u.version) > 0);
    SHOW(strlen(u.nodename) > 0);
    SHOW(strnlen(u.domainname, sizeof u.domainname) < sizeof u.domainname);
    char host[256];
    CHECK(gethostname(host, sizeof host));
    SHOW(strcmp(host, u.nodename) == 0);
    CHECK(uname((struct utsname *)1));
    return 0;
}
