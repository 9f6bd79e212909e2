/* Unit tests for sealed session ids: what an id carries, forged and altered ids, rebuild
 * after expiry, eviction and a restart (a second engine with the same key), closed ids that
 * stay dead, ids re-sealed by logging/setLevel, eviction order (sessions that made no request
 * first) and the session events. The MAC is a keyed test function, not HMAC: the engine only
 * sees a callback. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

/* The events an engine reported, as "event key reason" lines. */
struct events {
    char lines[16][160];
    int n;
};

static void on_session(void *ud, const struct mcp_session_note *n)
{
    static const char *const names[] = {"expired", "evicted", "rebuilt", "closed"};
    struct events *ev = ud;
    if (ev->n < 16)
        snprintf(ev->lines[ev->n++], sizeof ev->lines[0], "%s %s %s|%s|%s", names[n->event],
                 n->client_name, n->client_version, n->version ? n->version : "-", n->reason);
}

static uint64_t fake_now_ms;

static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now_ms;
}

static mcp_engine *sealed_engine(const char *key, size_t max_sessions, struct events *ev)
{
    struct mcp_config cfg = {.name = "t", .version = "1", .max_sessions = max_sessions,
                             .idle_ttl_s = 10, .mac = test_mac, .mac_ud = (void *)key,
                             .on_session = on_session, .on_session_ud = ev};
    mcp_engine *e = mcp_engine_new(&cfg);
    mcp_engine_set_clock(e, fake_clock, NULL);
    return e;
}

struct tok {
    char v[MCP_SESSION_ID_MAX];
};

static struct tok token_of(const mcp_session *s)
{
    struct tok t;
    mcp_session_token(s, t.v, sizeof t.v);
    return t;
}

/* A session initialized with this version, capabilities and client name. */
static mcp_session *init_session(mcp_engine *e, const char *version, const char *caps,
                                 const char *name)
{
    mcp_session *s = mcp_session_open(e);
    struct cap c;
    cap_init(&c);
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                          "{\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":"
                          "{\"name\":\"%s\",\"version\":\"2.1\"}}}",
                          version, caps, name);
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_RESPONSE);
    free(msg);
    cap_release(&c);
    return s;
}

static int supports(mcp_session *s, const char *cap)
{
    mcp_call call = {.session = s};
    return mcp_call_client_supports(&call, cap);
}

static void test_id_shape_and_forgery(void **state)
{
    (void)state;
    struct events ev = {0};
    mcp_engine *e = sealed_engine("k1", 0, &ev);
    mcp_session *s = init_session(e, "2025-06-18", "{\"elicitation\":{}}", "Claude \\\"Code\\\"\\n");
    struct tok t = token_of(s);
    size_t n = strlen(t.v);
    assert_true(n > 40 && n < MCP_SESSION_ID_MAX);
    for (size_t i = 0; i < n; i++) /* visible ASCII, no padding */
        assert_true(t.v[i] > 0x20 && t.v[i] < 0x7f && t.v[i] != '=');
    assert_non_null(strchr(t.v, '.'));
    mcp_session *f = mcp_session_find(e, t.v);
    assert_ptr_equal(f, s);
    mcp_session_release(f);
    /* the key alone, a flipped character anywhere, a cut, a second dot: all unknown */
    assert_null(mcp_session_find(e, mcp_session_id(s)));
    for (size_t i = 0; i < n; i++) {
        struct tok bad = t;
        bad.v[i] = bad.v[i] == 'A' ? 'B' : 'A';
        if (strcmp(bad.v, t.v) != 0)
            assert_null(mcp_session_find(e, bad.v));
    }
    struct tok cut = t;
    cut.v[n - 1] = '\0';
    assert_null(mcp_session_find(e, cut.v));
    assert_null(mcp_session_find(e, "a.b"));
    assert_null(mcp_session_find(e, ""));
    assert_null(mcp_session_find(e, NULL));
    /* a different key (another deployment) does not accept it */
    mcp_engine *other = sealed_engine("k2", 0, &ev);
    assert_null(mcp_session_find(other, t.v));
    mcp_engine_free(other);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_rebuild_after_expiry_and_restart(void **state)
{
    (void)state;
    struct events ev = {0};
    fake_now_ms = 1000000;
    mcp_engine *e = sealed_engine("k1", 0, &ev);
    mcp_session *s = init_session(e, "2025-06-18",
                                  "{\"elicitation\":{\"form\":{}},\"sampling\":{},"
                                  "\"roots\":{\"listChanged\":true},\"experimental\":{\"x\":1}}",
                                  "inspector");
    struct tok t = token_of(s);
    char key[40];
    snprintf(key, sizeof key, "%s", mcp_session_id(s));
    mcp_session_release(s);
    fake_now_ms += 11000; /* past the 10 s TTL */
    assert_int_equal(mcp_engine_session_count(e), 0);
    assert_int_equal(ev.n, 1);
    assert_non_null(strstr(ev.lines[0], "expired inspector 2.1|2025-06-18|idle for 10 s"));

    mcp_session *r = mcp_session_find(e, t.v);
    assert_non_null(r);
    assert_string_equal(mcp_session_id(r), key);
    assert_string_equal(mcp_session_version(r), "2025-06-18");
    assert_true(supports(r, "elicitation") && supports(r, "elicitation.form"));
    assert_false(supports(r, "elicitation.url"));
    assert_true(supports(r, "sampling") && supports(r, "roots.listChanged"));
    assert_false(supports(r, "experimental"));
    assert_string_equal(token_of(r).v, t.v);
    assert_int_equal(ev.n, 2);
    assert_non_null(strstr(ev.lines[1], "rebuilt inspector 2.1|2025-06-18|"));
    /* the rebuilt session serves requests at once (no second initialize) */
    struct cap c;
    cap_init(&c);
    assert_non_null(run_result(e, r, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c));
    cap_release(&c);
    mcp_session *again = mcp_session_find(e, t.v); /* held in the table: the same object */
    assert_ptr_equal(again, r);
    mcp_session_release(again);
    mcp_session_release(r);
    assert_int_equal(ev.n, 2);

    /* a restart: a new engine with the same key knows the id */
    mcp_engine_free(e);
    struct events ev2 = {0};
    mcp_engine *e2 = sealed_engine("k1", 0, &ev2);
    mcp_session *r2 = mcp_session_find(e2, t.v);
    assert_non_null(r2);
    assert_string_equal(mcp_session_id(r2), key);
    assert_true(supports(r2, "sampling"));
    assert_int_equal(ev2.n, 1);
    mcp_session_release(r2);
    mcp_engine_free(e2);
}

static void test_uninitialized_ids_are_not_rebuilt(void **state)
{
    (void)state;
    struct events ev = {0};
    mcp_engine *e = sealed_engine("k1", 0, &ev);
    mcp_session *s = mcp_session_new(e); /* HTTP: initialize runs before publishing */
    struct tok t = token_of(s);
    assert_int_equal(mcp_engine_session_count(e), 0);
    assert_null(mcp_session_find(e, t.v)); /* neither published nor sealed with a version */
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_closed_ids_stay_closed(void **state)
{
    (void)state;
    struct events ev = {0};
    mcp_engine *e = sealed_engine("k1", 0, &ev);
    mcp_session *s = init_session(e, "2025-11-25", "{}", "c");
    struct tok t = token_of(s);
    mcp_session_release(s);
    assert_int_equal(mcp_session_close(e, t.v), ERR_OK);
    assert_non_null(strstr(ev.lines[ev.n - 1], "closed c 2.1"));
    assert_null(mcp_session_find(e, t.v));
    assert_int_equal(mcp_session_close(e, t.v), ERR_NOT_FOUND);
    /* closing an id this process does not hold (say, after a restart) works too */
    mcp_engine *e2 = sealed_engine("k1", 0, &ev);
    assert_int_equal(mcp_session_close(e2, t.v), ERR_OK);
    assert_null(mcp_session_find(e2, t.v));
    struct tok bad = t;
    bad.v[3] ^= 1;
    assert_int_equal(mcp_session_close(e2, bad.v), ERR_NOT_FOUND);
    mcp_engine_free(e2);
    mcp_engine_free(e);
}

static void test_set_level_reseals(void **state)
{
    (void)state;
    struct events ev = {0};
    mcp_engine *e = sealed_engine("k1", 0, &ev);
    mcp_session *s = init_session(e, "2025-11-25", "{}", "c");
    struct tok before = token_of(s);
    struct cap c;
    cap_init(&c);
    assert_non_null(run_result(
        e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"error\"}}",
        &c));
    cap_release(&c);
    struct tok after = token_of(s);
    assert_string_not_equal(before.v, after.v);
    /* both ids name the same live session */
    mcp_session *a = mcp_session_find(e, before.v), *b = mcp_session_find(e, after.v);
    assert_ptr_equal(a, s);
    assert_ptr_equal(b, s);
    mcp_session_release(a);
    mcp_session_release(b);
    mcp_session_release(s);
    /* rebuilt elsewhere, the new id keeps the level */
    mcp_engine *e2 = sealed_engine("k1", 0, &ev);
    mcp_session *r = mcp_session_find(e2, after.v);
    assert_non_null(r);
    assert_int_equal(mcp_session_log_level(r), MCP_LOG_ERROR);
    mcp_session_release(r);
    r = mcp_session_find(e2, before.v); /* same key: the live rebuilt one */
    assert_int_equal(mcp_session_log_level(r), MCP_LOG_ERROR);
    mcp_session_release(r);
    mcp_engine_free(e2);
    mcp_engine_free(e);
}

static void test_unused_sessions_are_evicted_first(void **state)
{
    (void)state;
    struct events ev = {0};
    mcp_engine *e = sealed_engine("k1", 3, &ev);
    struct cap c;
    cap_init(&c);
    mcp_session *busy = init_session(e, "2025-11-25", "{}", "busy");
    run(e, busy, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &c);
    struct tok tb = token_of(busy);
    mcp_session_release(busy);
    mcp_session *one = init_session(e, "2025-11-25", "{}", "oneshot1");
    struct tok t1 = token_of(one);
    mcp_session_release(one);
    mcp_session_release(init_session(e, "2025-11-25", "{}", "oneshot2"));
    /* busy is the least recently used, but the one-shot sessions go first */
    mcp_session_release(init_session(e, "2025-11-25", "{}", "oneshot3"));
    assert_non_null(strstr(ev.lines[ev.n - 1], "evicted oneshot1"));
    assert_non_null(strstr(ev.lines[ev.n - 1], "no request after initialize"));
    mcp_session_release(init_session(e, "2025-11-25", "{}", "oneshot4"));
    assert_non_null(strstr(ev.lines[ev.n - 1], "evicted oneshot2"));
    assert_int_equal(mcp_engine_session_count(e), 3);
    /* busy is still held; an evicted id comes back (and evicts in turn) */
    int before = ev.n;
    mcp_session *b = mcp_session_find(e, tb.v);
    assert_non_null(b);
    assert_int_equal(ev.n, before); /* found, not rebuilt */
    mcp_session_release(b);
    mcp_session *o = mcp_session_find(e, t1.v);
    assert_non_null(o);
    assert_non_null(strstr(ev.lines[ev.n - 2], "evicted oneshot3"));
    assert_non_null(strstr(ev.lines[ev.n - 1], "rebuilt oneshot1"));
    mcp_session_release(o);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_subscriptions_are_bounded_in_bytes(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    char uri[MCP_MAX_URI_LEN + 1];
    int refused = 0;
    for (int i = 0; i < 64 && !refused; i++) {
        snprintf(uri, sizeof uri, "test://%d/%0*d", i, 1990, 0);
        refused = mcp_session_subscribe(s, uri, 1) == ERR_LIMIT;
    }
    assert_true(refused); /* 16 KiB of URIs: about 8 of 2 KiB */
    mcp_session_release(s);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_shape_and_forgery),
        cmocka_unit_test(test_rebuild_after_expiry_and_restart),
        cmocka_unit_test(test_uninitialized_ids_are_not_rebuilt),
        cmocka_unit_test(test_closed_ids_stay_closed),
        cmocka_unit_test(test_set_level_reseals),
        cmocka_unit_test(test_unused_sessions_are_evicted_first),
        cmocka_unit_test(test_subscriptions_are_bounded_in_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
