/* sk_int.h - private to skills/: what the guardrails, the checks and the skill files share.
 * Layer: skills. */
#ifndef SKILLD_SKILLS_SK_INT_H
#define SKILLD_SKILLS_SK_INT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"
#include "knowledge/kb.h"
#include "skills/policy.h"
#include "skills/skills.h"

#define SK_CONTENT_MAX (1024 * 1024) /* bytes of decoded command or file content examined */

/* ---- Static checks (checks.c) -------------------------------------------------------------*/
struct sk_check_ctx {
    const struct sk_policy *policy;
    int want_description; /* the tool lists rule_description */
    int has_posture;      /* the tool lists ingress_posture or egress_posture */
};
typedef void (*sk_check_fn)(const struct sk_check_ctx *c, const cJSON *args,
                            struct sk_findings *f);

/* The static check with this catalogue id, or NULL. */
sk_check_fn sk_check_find(const char *id);
/* Run the static checks named in ids over args, appending findings. */
void sk_checks_run(const struct sk_policy *policy, const struct kb_strs *ids, const cJSON *args,
                   struct sk_findings *f);
/* Scan text for the policy's command patterns: one finding per pattern that matches, quoting
 * the match; fleet patterns only when targets > 1; severities capped at `cap`. subject starts
 * the message ("the command"). */
void sk_scan_content(const struct sk_policy *pol, const char *content, size_t targets,
                     const char *subject, enum sk_severity cap, struct sk_findings *f);

/* ---- Helpers (util.c) -------------------------------------------------------------------- */
/* Standard Base64 (with or without padding, whitespace ignored) into a new NUL-terminated
 * buffer; ERR_PARSE on anything else, ERR_TOO_BIG past SK_CONTENT_MAX. */
err_code sk_base64_decode(const char *s, char **ret, size_t *ret_len);
/* Bytes of the Base64 encoding of n bytes. */
size_t sk_base64_len(size_t n);

#endif
