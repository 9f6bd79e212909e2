/* audit.h - private to skills/: the append-only audit log, one JSON line per decision, each
 * written with a single write(2) on an O_APPEND descriptor before the call goes on (a change
 * is recorded as "executing" before it is sent). A kill -9 can stop a write part-way; such a
 * record was never acknowledged, and opening the log cuts it off, so every record a process
 * acted on is whole and none is lost. One process per file: replicas keep their own logs.
 * Layer: skills. */
#ifndef SKILLD_SKILLS_AUDIT_H
#define SKILLD_SKILLS_AUDIT_H

#include <cjson/cJSON.h>

#include "base/base.h"

#define SK_AUDIT_RECORD_MAX (64 * 1024) /* bytes of one record; longer argument values are cut */

struct sk_audit;

/* Open (create, mode 0600) the log at path for appending. A torn last record (the writer was
 * killed during its write) is cut off first. ERR_IO naming the path. */
err_code sk_audit_open(const char *path, const char *replica, struct sk_audit **ret,
                       struct err *e);
void sk_audit_close(struct sk_audit *a);

/* Append one record: `record` (borrowed) gets "time" and "replica" in front of its members.
 * Thread-safe. ERR_IO when the write failed (the caller must not act then). Accepts a NULL
 * audit (no log configured): returns ERR_OK. */
err_code sk_audit_write(struct sk_audit *a, const cJSON *record);

#endif
