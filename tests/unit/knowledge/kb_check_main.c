/* kb-check: the knowledge checker as a small program, so CI can check knowledge/ without
 * the skilld binary: kb-check DIR prints one line per problem and exits 1 on any. */
#include <stdio.h>

#include "knowledge/kb.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kb-check DIR\n");
        return 2;
    }
    struct buf out;
    buf_init(&out, 0);
    size_t n = 0;
    err_code rc = kb_check(argv[1], &out, &n);
    if (out.len)
        fputs(out.data, stdout);
    buf_release(&out);
    printf("%zu problem(s)\n", n);
    return rc != ERR_OK || n ? 1 : 0;
}
