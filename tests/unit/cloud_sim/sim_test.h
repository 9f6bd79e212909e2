/* sim_test.h - test helper (tests layer): call the simulator's operations without HTTP on a
 * fresh demo region at a fixed clock, for the unit tests of cloud/sim/. */
#ifndef SKILLD_TESTS_SIM_TEST_H
#define SKILLD_TESTS_SIM_TEST_H

#include "cloud/sim/sim_int.h"

#define T0 1800000000000ull /* a fixed wall clock for the tests (ms): 2027-01-15T08:00:00Z */
#define TR 1000u            /* transition time used by these tests */

/* A new state loaded from the embedded demo region (caller frees with sim_state_free). */
struct sim_state *sim_test_fresh(void);
/* Call `action` ("Name" or "Name@vpc") with form-encoded params at time `now`; returns the body
 * (caller deletes) and its HTTP status in *ret_status (may be NULL). */
cJSON *sim_test_call(struct sim_state *st, const char *action, const char *form, uint64_t now,
                     int *ret_status);
/* The Code of an answer, "OK" for a success. */
const char *sim_test_code(const cJSON *body);
/* Expect `code` ("OK" = success) from one call, failing the test otherwise; returns the body
 * (caller deletes). */
cJSON *sim_test_expect(struct sim_state *st, const char *action, const char *form, uint64_t now,
                       const char *code);
/* The string at a dotted path ("Instances.Instance.0.Status"; numbers index arrays), or "". */
const char *sim_test_str(const cJSON *body, const char *path);
/* The JSON item at a dotted path, or NULL. */
const cJSON *sim_test_at(const cJSON *body, const char *path);

#endif
