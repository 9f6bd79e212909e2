/* sim_cases.h - test helper (tests layer): reads the operation cases of cases.tsv, shared by
 * the unit tests of the simulator's operations and the integration tests over HTTP. */
#ifndef SKILLD_TESTS_SIM_CASES_H
#define SKILLD_TESTS_SIM_CASES_H

#include <stdbool.h>

/* One row of cases.tsv. */
struct sim_case {
    const char *action; /* operation name, with "@vpc" appended for the VPC API */
    const char *form;   /* form-encoded parameters (may be empty) */
    long status;        /* expected HTTP status */
    const char *code;   /* expected Code, "OK" for success */
    bool unit_only;     /* true when the row is marked "unit" (not sent over HTTP) */
};

/* Calls fn(case, arg) for each row of the file at path, skipping comments and blank lines, and
 * rows marked "unit" when skip_unit is true. Fails the running cmocka test on an unreadable
 * file or a malformed row. Returns how many rows were passed to fn. */
int sim_cases_each(const char *path, bool skip_unit,
                   void (*fn)(const struct sim_case *c, void *arg), void *arg);

#endif
