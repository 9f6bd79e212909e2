/* sim_cases.c - test helper (tests layer): splits the rows of cases.tsv into struct sim_case
 * and hands each to the caller's check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "tests/unit/cloud_sim/sim_cases.h"

int sim_cases_each(const char *path, bool skip_unit,
                   void (*fn)(const struct sim_case *c, void *arg), void *arg)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *field[5] = {NULL};
        char *p = line;
        for (int i = 0; i < 5 && p; i++) {
            field[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        struct sim_case c = {
            .action = field[0],
            .form = field[1],
            .code = field[3],
            .unit_only = field[4] && strcmp(field[4], "unit") == 0,
        };
        if (skip_unit && c.unit_only)
            continue;
        assert_non_null(c.code);
        assert_int_equal(parse_long(field[2], 100, 599, &c.status), ERR_OK);
        fn(&c, arg);
        n++;
    }
    fclose(f);
    return n;
}
