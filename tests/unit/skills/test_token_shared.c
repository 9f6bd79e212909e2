/* test_token_shared.c - spent confirmation tokens shared by replicas (skills/token.c,
 * --confirm-spent-dir): two token books on one key file and one directory stand for two
 * replicas. A token spent by one is refused by the other; racing spends let exactly one win;
 * looking changes nothing; forged tokens and an unwritable directory are refused; expired
 * records are removed; without a directory nothing is shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skills/token.h"

static char root[64], key[96], dir[96];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/skilld-spent-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(key, sizeof key, "%s/confirm.key", root);
    snprintf(dir, sizeof dir, "%s/spent", root);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sk_tokens *book(int shared)
{
    struct sk_tokens *t = NULL;
    struct err e = {0};
    assert_int_equal(sk_tokens_new(key, &t, &e), ERR_OK);
    if (shared)
        assert_int_equal(sk_tokens_share(t, dir, &e), ERR_OK);
    return t;
}

static size_t files_in(const char *d)
{
    DIR *h = opendir(d);
    size_t n = 0;
    struct dirent *de;
    while (h && (de = readdir(h)))
        n += de->d_name[0] != '.';
    if (h)
        closedir(h);
    return n;
}

static const char *rule_of(const struct sk_findings *f)
{
    return f->n ? f->v[f->n - 1].rule : "";
}

static void issue(struct sk_tokens *t, uint64_t now, unsigned ttl, char out[SK_TOKEN_MAX])
{
    uint64_t exp = 0;
    sk_token_issue(t, "ecs_reboot_instance", "{\"InstanceId\":\"i-1\"}", "mcp:abc", now, ttl, out,
                   &exp);
}

static void spent_once_across_replicas(void **state)
{
    (void)state;
    struct sk_tokens *a = book(1), *b = book(1);
    char tok[SK_TOKEN_MAX], ct[SK_CLIENT_TOKEN_LEN + 1];
    issue(a, 1000, 300, tok);
    struct sk_findings f;
    sk_findings_init(&f);
    /* Replica b executes: its own book passes, the shared record is made. */
    assert_int_equal(sk_token_spend_shared(b, tok, 1001, 1, &f), ERR_OK);
    assert_int_equal(sk_token_redeem(b, tok, "ecs_reboot_instance", "{\"InstanceId\":\"i-1\"}",
                                     "mcp:abc", 1001, 1, ct, &f), ERR_OK);
    assert_int_equal(sk_token_spend_shared(b, tok, 1001, 0, &f), ERR_OK);
    assert_int_equal(files_in(dir), 1);
    /* Replica a never saw it spent in memory, but the shared record refuses it. */
    assert_int_equal(sk_token_redeem(a, tok, "ecs_reboot_instance", "{\"InstanceId\":\"i-1\"}",
                                     "mcp:abc", 1002, 0, ct, &f), ERR_OK);
    assert_int_equal(sk_token_spend_shared(a, tok, 1002, 1, &f), ERR_DENIED);
    assert_string_equal(rule_of(&f), "confirmation.used");
    assert_int_equal(sk_token_spend_shared(a, tok, 1002, 0, &f), ERR_DENIED);
    assert_string_equal(rule_of(&f), "confirmation.used");
    assert_int_equal(files_in(dir), 1);
    /* Another token is its own record. */
    char other[SK_TOKEN_MAX];
    issue(a, 1000, 300, other);
    assert_int_equal(sk_token_spend_shared(a, other, 1003, 0, &f), ERR_OK);
    assert_int_equal(files_in(dir), 2);
    sk_tokens_free(a);
    sk_tokens_free(b);
}

struct race {
    struct sk_tokens *t;
    const char *tok;
    err_code rc;
};

static void *spend(void *p)
{
    struct race *r = p;
    struct sk_findings f;
    sk_findings_init(&f);
    r->rc = sk_token_spend_shared(r->t, r->tok, 2000, 0, &f);
    return NULL;
}

static void racing_spends_one_wins(void **state)
{
    (void)state;
    struct sk_tokens *a = book(1), *b = book(1);
    for (int i = 0; i < 200; i++) {
        char tok[SK_TOKEN_MAX];
        issue(a, 2000, 300, tok);
        struct race ra = {a, tok, ERR_INTERNAL}, rb = {b, tok, ERR_INTERNAL};
        pthread_t x, y;
        pthread_create(&x, NULL, spend, &ra);
        pthread_create(&y, NULL, spend, &rb);
        pthread_join(x, NULL);
        pthread_join(y, NULL);
        assert_int_equal((ra.rc == ERR_OK) + (rb.rc == ERR_OK), 1);
        assert_int_equal((ra.rc == ERR_DENIED) + (rb.rc == ERR_DENIED), 1);
    }
    sk_tokens_free(a);
    sk_tokens_free(b);
}

static void refusals_and_pruning(void **state)
{
    (void)state;
    struct sk_tokens *a = book(1);
    struct sk_findings f;
    sk_findings_init(&f);
    char tok[SK_TOKEN_MAX];
    issue(a, 3000, 30, tok);
    /* A forged token is not one of ours. */
    char forged[SK_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", tok);
    forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(sk_token_spend_shared(a, forged, 3000, 0, &f), ERR_DENIED);
    assert_string_equal(rule_of(&f), "confirmation.invalid");
    /* A record made; the records of the tests above, expired by now, removed by this spend
     * (the first of this book); then this one too, by a spend more than a minute later. */
    assert_true(files_in(dir) > 1);
    assert_int_equal(sk_token_spend_shared(a, tok, 3000, 0, &f), ERR_OK);
    assert_int_equal(files_in(dir), 1);
    char later[SK_TOKEN_MAX];
    issue(a, 4000, 300, later);
    assert_int_equal(sk_token_spend_shared(a, later, 4000, 0, &f), ERR_OK);
    assert_int_equal(files_in(dir), 1); /* only the live one is left */
    /* The directory gone: nothing may be sent without the record. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    char next[SK_TOKEN_MAX];
    issue(a, 4000, 300, next);
    assert_int_equal(sk_token_spend_shared(a, next, 4001, 0, &f), ERR_DENIED);
    assert_string_equal(rule_of(&f), "confirmation.unrecorded");
    sk_tokens_free(a);
    /* A file where the directory should be is refused at start. */
    FILE *fp = fopen(dir, "w");
    assert_non_null(fp);
    fclose(fp);
    struct sk_tokens *t = NULL;
    struct err e = {0};
    assert_int_equal(sk_tokens_new(key, &t, &e), ERR_OK);
    assert_int_equal(sk_tokens_share(t, dir, &e), ERR_IO);
    assert_non_null(strstr(e.msg, dir));
    sk_tokens_free(t);
    unlink(dir);
}

static void nothing_shared_without_a_directory(void **state)
{
    (void)state;
    struct sk_tokens *a = book(0), *b = book(0);
    char tok[SK_TOKEN_MAX];
    issue(a, 5000, 300, tok);
    struct sk_findings f;
    sk_findings_init(&f);
    assert_int_equal(sk_token_spend_shared(a, tok, 5000, 0, &f), ERR_OK);
    assert_int_equal(sk_token_spend_shared(b, tok, 5000, 0, &f), ERR_OK);
    assert_int_equal(f.n, 0);
    sk_tokens_free(a);
    sk_tokens_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spent_once_across_replicas),
        cmocka_unit_test(racing_spends_one_wins),
        cmocka_unit_test(refusals_and_pruning),
        cmocka_unit_test(nothing_shared_without_a_directory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
