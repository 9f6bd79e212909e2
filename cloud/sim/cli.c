/* cli.c - `skilld sim`: run the simulator in the foreground until SIGINT or SIGTERM.
 * Layer: cloud (simulator front end; prints only its own start-up line and errors). */
#include "cloud/sim/sim_int.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: skilld sim [flags]\n"
    "Run the embedded ECS simulator: a local endpoint speaking the signed ECS/VPC OpenAPI\n"
    "wire protocol with a seeded demo region. Point the cloud client at it with scheme http.\n"
    "\n"
    "  --listen HOST:PORT        address to listen on (default 127.0.0.1:9090; port 0 = any free)\n"
    "  --access-key-id ID        AccessKeyId to accept (default skilld-sim-key)\n"
    "  --access-key-secret S     its secret (default skilld-sim-secret; local use only)\n"
    "  --seed FILE               initial state JSON instead of the embedded demo region\n"
    "  --state FILE              keep the state in FILE across restarts (written atomically\n"
    "                            after every write; loaded at start when it exists)\n"
    "  --faults SPEC             inject faults, e.g. latency=50ms,throttle=0.2,unavailable=0.1,\n"
    "                            drop=0.05,seed=42 (shares are 0..1; same seed, same faults)\n"
    "  --transition-ms N         duration of one timed state change (default 3000)\n"
    "  -h, --help                show this help\n"
    "\n"
    "GET /_sim/requests?since=N on the same address lists the requests received (secrets\n"
    "redacted) as {\"requests\":[...],\"next\":N}; served on loopback addresses only.\n";

/* Split "HOST:PORT" into host (into hbuf) and port. */
static err_code parse_listen(const char *s, char *hbuf, size_t cap, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    long p = 0;
    if (!colon || (size_t)(colon - s) >= cap || colon == s ||
        parse_long(colon + 1, 0, 65535, &p) != ERR_OK)
        return ERR_INVALID;
    memcpy(hbuf, s, (size_t)(colon - s));
    hbuf[colon - s] = '\0';
    *port = (unsigned)p;
    return ERR_OK;
}

int sim_cli_main(int argc, char **argv)
{
    struct sim_config cfg = {0};
    char host[64] = "127.0.0.1";
    cfg.host = host;
    cfg.port = 9090;
    /* flag -> where its value goes; --listen and --transition-ms are parsed below. */
    struct {
        const char *flag;
        const char **dst;
    } flags[] = {
        {"--access-key-id", &cfg.access_key_id}, {"--access-key-secret", &cfg.access_key_secret},
        {"--seed", &cfg.seed_file},              {"--state", &cfg.state_file},
        {"--faults", &cfg.faults},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "skilld sim: unknown flag or missing value: %s\n%s", a, usage);
            return 2;
        }
        const char *v = argv[++i];
        int known = 0;
        for (size_t f = 0; f < ARRAY_LEN(flags); f++) {
            if (strcmp(a, flags[f].flag) == 0) {
                *flags[f].dst = v;
                known = 1;
            }
        }
        long n = 0;
        if (strcmp(a, "--listen") == 0) {
            known = parse_listen(v, host, sizeof host, &cfg.port) == ERR_OK ? 1 : -1;
        } else if (strcmp(a, "--transition-ms") == 0) {
            known = parse_long(v, 1, 3600000, &n) == ERR_OK ? 1 : -1;
            cfg.transition_ms = (unsigned)n;
        }
        if (known != 1) {
            fprintf(stderr, "skilld sim: %s %s: %s\n%s", a, v,
                    known ? "bad value" : "unknown flag", usage);
            return 2;
        }
    }
    /* Block the stop signals before the server threads start, so they inherit the mask and
     * only sigwait below receives them. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    struct err e = {0};
    sim_server *s = sim_start(&cfg, &e);
    if (!s) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "skilld sim: %s\n", e.msg);
        return 1;
    }
    printf("skilld sim: listening on http://%s:%u (AccessKeyId %s)%s%s\n", host, sim_port(s),
           cfg.access_key_id ? cfg.access_key_id : sim_default_access_key_id(),
           cfg.state_file ? ", state in " : "", cfg.state_file ? cfg.state_file : "");
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    sim_stop(s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}
