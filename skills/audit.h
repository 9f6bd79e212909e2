/* audit.h - private to skills/: the append-only audit log, one JSON line per decision, each
 * written with a single write(2) on an O_APPEND descriptor before the call returns, so that a
 * kill -9 at any moment leaves whole records only and none that was acknowledged is lost.
 * Layer: skills. */
#ifndef SKILLD_SKILLS_AUDIT_H
#define SKILLD_SKILLS_AUDIT_H

#include <cjson/cJSON.h>

#include "base/base.h"

#define SK_AUDIT_RECORD_MAX (64 * 1024) /* bytes of one record; longer argument values are cut */

struct sk_audit;

/* Open (create, mode 0600) the log at path for appending. A file whose last byte is not a
 * newline (a record torn by a power loss) gets one first. ERR_IO naming the path. */
err_code sk_audit_open(const char *path, const char *replica, struct sk_audit **ret,
                       struct err *e);
void sk_audit_close(struct sk_audit *a);

/* Append one record: `record` (borrowed) gets "time" and "replica" in front of its members.
 * Thread-safe. ERR_IO when the write failed (the caller must not act then). Accepts a NULL
 * audit (no log configured): returns ERR_OK. */
err_code sk_audit_write(struct sk_audit *a, const cJSON *record);

#endif
