/* test_sim_kill.c - crash safety of --state: start `sim_runner --state F` (sim_cli_main), send
 * a burst of writes from a second thread, kill -9 the process at a random moment, and check
 * that F always parses and the next start loads it. Repeated many times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "cloud/sim/sim_int.h"

#define ROUNDS 20

static const char *runner;

struct burst {
    unsigned port;
    volatile int stop;
    int sent;
};

static void *writer(void *arg)
{
    struct burst *b = arg;
    char ep[64];
    snprintf(ep, sizeof ep, "127.0.0.1:%u", b->port);
    struct cloud_credentials creds;
    cloud_credentials_set(&creds, sim_default_access_key_id(), sim_default_access_key_secret(), NULL, "test");
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.ecs_endpoint = ep;
    cfg.vpc_endpoint = ep;
    cfg.scheme = "http";
    cfg.credentials = &creds;
    cfg.max_retries = 0;
    cfg.timeout_ms = 2000;
    struct err e = {0};
    cloud_client *c = cloud_client_new(&cfg, &e);
    for (int i = 0; c && !b->stop && i < 400; i++) {
        struct cloud_kv kv[] = {{"VpcId", "vpc-bp1demo0000000000000"}, {"SecurityGroupName", "burst"}};
        cJSON *resp = NULL;
        if (cloud_call(c, "ecs", "CreateSecurityGroup", kv, 2, &resp, NULL) != ERR_OK)
            break;
        b->sent++;
        char *id = xstrdup(cJSON_GetObjectItemCaseSensitive(resp, "SecurityGroupId")->valuestring);
        cJSON_Delete(resp);
        struct cloud_kv del[] = {{"SecurityGroupId", id}};
        cloud_call(c, "ecs", "DeleteSecurityGroup", del, 1, NULL, NULL);
        free(id);
        b->sent++;
    }
    cloud_client_free(c);
    cloud_credentials_release(&creds);
    return NULL;
}

/* Start the runner; returns its pid and the port it printed. */
static pid_t start_runner(const char *state, unsigned *port)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(runner, runner, "--listen", "127.0.0.1:0", "--state", state, "--transition-ms", "50",
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[512] = "";
    if (!fgets(line, sizeof line, out))
        fail_msg("the simulator did not start (corrupt state file?)");
    fclose(out);
    const char *p = strstr(line, "127.0.0.1:");
    assert_non_null(p);
    long v = 0;
    char num[16] = "";
    sscanf(p + 10, "%15[0-9]", num);
    assert_int_equal(parse_long(num, 1, 65535, &v), ERR_OK);
    *port = (unsigned)v;
    return pid;
}

static void test_kill_during_writes(void **unused)
{
    char dir[] = "/tmp/skilld-sim-kill-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char state[128];
    snprintf(state, sizeof state, "%s/state.json", dir);
    unsigned seed = (unsigned)time(NULL);
    int total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        unsigned port = 0;
        pid_t pid = start_runner(state, &port);
        struct burst b = {port, 0, 0};
        pthread_t t;
        pthread_create(&t, NULL, writer, &b);
        struct timespec ts = {0, (long)(rand_r(&seed) % 250 + 50) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        b.stop = 1;
        pthread_join(t, NULL);
        total += b.sent;
        char *text = NULL;
        size_t len = 0;
        struct err e = {0};
        assert_int_equal(sim_read_file(state, SIM_MAX_STATE_FILE, &text, &len, &e), ERR_OK);
        struct sim_state *st = NULL;
        if (sim_state_new(text, len, state, 0, &st, &e) != ERR_OK)
            fail_msg("round %d: %s", round, e.msg);
        sim_state_free(st);
        free(text);
    }
    assert_true(total > 0); /* writes really happened while we killed */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
    runner = argc > 1 ? argv[1] : "./sim_runner";
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_during_writes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
