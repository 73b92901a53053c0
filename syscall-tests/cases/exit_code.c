/* The exit status must be propagated: this case exits 3. */
#include "common.h"

int main(void)
{
    printf("exiting with 3\n");
    return 3;
}
