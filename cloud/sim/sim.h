/* sim.h - the embedded ECS simulator: a loopback HTTP endpoint that speaks the signed
 * Alibaba Cloud RPC wire protocol with real state machines. Layer: cloud (public header). */
#ifndef SKILLD_CLOUD_SIM_H
#define SKILLD_CLOUD_SIM_H

#include "base/base.h"

typedef struct sim_server sim_server;

/* How to start a simulator. Every pointer is borrowed for the duration of sim_start. */
struct sim_config {
    const char *host;              /* listen address, NULL = "127.0.0.1" */
    unsigned port;                 /* 0 = let the kernel pick a free port (see sim_port) */
    const char *access_key_id;     /* accepted credentials; NULL = sim_default_access_key_id() */
    const char *access_key_secret; /* NULL = sim_default_access_key_secret() */
    const char *seed_file;         /* initial state JSON; NULL = the embedded demo region */
    const char *state_file;        /* persist the state here after each write; NULL = memory only */
    const char *faults;            /* e.g. "latency=50ms,throttle=0.2,unavailable=0.1,drop=0.05,seed=42" */
    unsigned transition_ms;        /* duration of one timed state transition; 0 = 3000 ms */
};

/* Load the state (state_file if it exists, else seed_file or the demo region), then listen.
 * Returns NULL with *e describing the failure (a corrupt state file is named, never reset). */
sim_server *sim_start(const struct sim_config *cfg, struct err *e);

/* The TCP port the simulator listens on (the chosen one when cfg->port was 0). */
unsigned sim_port(const sim_server *s);

/* Number of HTTP requests received so far whose x-acs-action equals `action` (NULL = all),
 * counted before any fault injection or verification. For tests of retry behaviour. */
unsigned long sim_requests_received(sim_server *s, const char *action);

/* The documented local-only credentials ("skilld-sim-key" / "skilld-sim-secret"). */
const char *sim_default_access_key_id(void);
const char *sim_default_access_key_secret(void);

/* Stop listening and free everything. Accepts NULL. */
void sim_stop(sim_server *s);

/* `skilld sim [--listen HOST:PORT] [--access-key-id ID] [--access-key-secret S] [--seed FILE]
 * [--state FILE] [--faults SPEC] [--transition-ms N]`; argv[0] is "sim". Runs until SIGINT
 * or SIGTERM; returns the process exit code (0 after a signal, 2 on bad flags, 1 on errors). */
int sim_cli_main(int argc, char **argv);

#endif
