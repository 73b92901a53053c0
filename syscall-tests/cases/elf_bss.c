/* The loader's bss: the part of the last file page past the data segment reads as zeros,
 * although the file has other bytes there (symbols, sections) when its pages are mapped. */
#include "common.h"

char data_part[5001] = { 1, 2, 3 };
char bss_part[20000];

int main(void)
{
    int zero = 1;
    for (size_t i = 0; i < sizeof bss_part; i++)
        zero &= bss_part[i] == 0;
    SHOW(zero);
    SHOW(data_part[0] == 1 && data_part[2] == 3 && data_part[5000] == 0);
    bss_part[19999] = 5;
    SHOW(bss_part[19999] == 5);
    return 0;
}
