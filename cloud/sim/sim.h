/* sim.h - the embedded ECS simulator: a loopback HTTP endpoint that speaks the signed
 * Alibaba Cloud RPC wire protocol with real state machines. Layer: cloud (public header). */
#ifndef SKILLD_CLOUD_SIM_H
#define SKILLD_CLOUD_SIM_H

#include "base/base.h"

typedef struct sim_server sim_server;
struct cJSON; /* <cjson/cJSON.h>; only sim_request_log answers with one */

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

/* The request log: every API request the simulator received since it started (signed or not,
 * answered or refused), oldest first, as a new cJSON array the caller owns and frees with
 * cJSON_Delete. Only entries with a sequence number above `since_seq` are returned (0 = all
 * still kept); the log keeps the newest 1024. Each entry is an object:
 *   {"seq": 7, "time": "2024-05-01T08:00:00Z", "time_ms": 1714550400000,
 *    "action": "StopInstance" | null, "version": "2014-05-26" | null,
 *    "region": "cn-hangzhou" | null, "params": {"InstanceId": "i-...", ...},
 *    "status": 200, "code": "OK" | "<error Code>"}
 * "params" holds the query and form parameters as received; values of secret-looking names
 * (containing Password, PrivateKey, Secret or Token, except ClientToken and NextToken) read
 * "<redacted>", values over 256 bytes are cut, and "params_dropped" counts parameters left
 * out past 4 KiB per entry. "status" is 0 when the connection was dropped by --faults.
 * The same log is served, unsigned, at GET /_sim/requests?since=N on the simulator's own
 * listener as {"requests": [...], "next": N} (next = the newest sequence number, to pass as
 * `since` next time) - only when the simulator listens on a loopback address; on any other
 * address that page answers 403 Forbidden.NotLoopback. /_sim/ requests are not logged. */
struct cJSON *sim_request_log(sim_server *s, unsigned long since_seq);

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
