/* Unit tests for MCP sessions: ids, the cap with LRU eviction, idle expiry on an injected
 * clock, close, references that outlive eviction and engine teardown. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static uint64_t fake_now_ms;

static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now_ms;
}

/* Copy of a session's id, so it can be looked up after the session is released. */
struct sid {
    char v[33];
};

static struct sid id_of(const mcp_session *s)
{
    struct sid id;
    snprintf(id.v, sizeof id.v, "%s", mcp_session_id(s));
    return id;
}

static int live(mcp_engine *e, struct sid id)
{
    mcp_session *s = mcp_session_find(e, id.v);
    mcp_session_release(s);
    return s != NULL;
}

static struct sid open_released(mcp_engine *e)
{
    mcp_session *s = mcp_session_open(e);
    struct sid id = id_of(s);
    mcp_session_release(s);
    return id;
}

static void test_ids(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *a = mcp_session_open(e), *b = mcp_session_open(e);
    const char *ia = mcp_session_id(a);
    assert_int_equal(strlen(ia), 32);
    assert_int_equal(strspn(ia, "0123456789abcdef"), 32);
    assert_string_not_equal(ia, mcp_session_id(b));
    assert_null(mcp_session_version(a));
    assert_null(mcp_session_find(e, "nope"));
    assert_null(mcp_session_find(e, NULL));
    assert_int_equal(mcp_engine_session_count(e), 2);
    mcp_session_release(a);
    mcp_session_release(b);
    mcp_session_release(NULL);
    mcp_engine_free(e);
    mcp_engine_free(NULL);
}

static void test_cap_evicts_least_recently_used(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(3, 0);
    struct sid a = open_released(e), b = open_released(e), c = open_released(e);
    assert_true(live(e, a)); /* a is now the most recently used */
    struct sid d = open_released(e);
    assert_int_equal(mcp_engine_session_count(e), 3);
    assert_false(live(e, b));
    assert_true(live(e, a) && live(e, c) && live(e, d));

    /* a held session is passed over: c is the oldest but held, so a goes */
    mcp_session *held = mcp_session_find(e, c.v);
    assert_true(live(e, d));
    assert_true(live(e, a)); /* order now (old->new): c, d, a */
    struct sid f = open_released(e);
    assert_true(live(e, c));
    assert_false(live(e, d));
    assert_true(live(e, a) && live(e, f));
    mcp_session_release(held);
    mcp_engine_free(e);
}

static void test_eviction_never_frees_a_session_in_use(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(1, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct sid id = id_of(s);
    mcp_session *t = mcp_session_open(e); /* all held: the oldest goes anyway */
    assert_false(live(e, id));
    assert_int_equal(mcp_engine_session_count(e), 1);
    /* the holder's pointer stays valid; the evicted session refuses new work */
    struct cap c;
    cap_init(&c);
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &c),
                     MCP_SERVER_ERROR);
    assert_string_equal(mcp_session_version(s), "2025-11-25");
    cap_release(&c);
    mcp_session_release(s); /* freed here (ASan checks) */
    mcp_session_release(t);
    mcp_engine_free(e);
}

static void test_idle_expiry(void **state)
{
    (void)state;
    struct mcp_config cfg = {.name = "t", .version = "1", .idle_ttl_s = 10};
    mcp_engine *e = mcp_engine_new(&cfg);
    fake_now_ms = 1000000;
    mcp_engine_set_clock(e, fake_clock, NULL);
    struct sid a = open_released(e), b = open_released(e);
    mcp_session *held = mcp_session_open(e);
    struct sid h = id_of(held);
    fake_now_ms += 5000;
    assert_true(live(e, a));
    fake_now_ms += 6000; /* b idle 11 s, a idle 6 s, h idle 11 s but held */
    assert_int_equal(mcp_engine_session_count(e), 2);
    assert_false(live(e, b));
    assert_true(live(e, a));
    fake_now_ms += 9999;
    assert_true(live(e, a)); /* a use renews it */
    fake_now_ms += 10000;
    assert_false(live(e, a)); /* found idle past the TTL: gone */
    assert_int_equal(mcp_engine_session_count(e), 1); /* only the held one */
    struct cap c;
    cap_init(&c);
    run(e, held, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &c); /* a use */
    cap_release(&c);
    mcp_session_release(held);
    fake_now_ms += 9000;
    assert_true(live(e, h));
    fake_now_ms += 10000;
    mcp_session_release(mcp_session_open(e)); /* opening sweeps expired ones */
    assert_int_equal(mcp_engine_session_count(e), 1);
    assert_false(live(e, h));
    mcp_engine_set_clock(e, NULL, NULL);
    mcp_engine_free(e);
}

static void test_close(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct sid id = id_of(s);
    assert_int_equal(mcp_session_close(e, id.v), ERR_OK);
    assert_int_equal(mcp_session_close(e, id.v), ERR_NOT_FOUND);
    assert_int_equal(mcp_session_close(e, "0123"), ERR_NOT_FOUND);
    assert_int_equal(mcp_session_close(e, NULL), ERR_NOT_FOUND);
    assert_false(live(e, id));
    assert_int_equal(mcp_engine_session_count(e), 0);
    /* the holder's reference stays valid; new requests on it are refused as closed */
    struct cap c;
    cap_init(&c);
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c),
                     MCP_SERVER_ERROR);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_engine_free_before_last_release(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-03-26", NULL);
    for (int i = 0; i < 5; i++)
        open_released(e);
    mcp_engine_free(e);
    assert_string_equal(mcp_session_version(s), "2025-03-26");
    mcp_session_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_cap_evicts_least_recently_used),
        cmocka_unit_test(test_eviction_never_frees_a_session_in_use),
        cmocka_unit_test(test_idle_expiry),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_engine_free_before_last_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
