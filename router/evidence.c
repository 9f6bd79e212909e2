/* evidence.c - evidence classes: what in a query says it is about the product (resource
 * ids, region ids, the product's API operations, its names, its non-ordinary vocabulary),
 * and how many words of the skill vocabulary meet when none of these is there. Layer:
 * router. Read by decide.c: no evidence class and fewer than two vocabulary words is out of
 * scope; ordinary words shared with a skill ("a snapshot of my life") are no evidence. */
#include "router/rt_query.h"

#include <string.h>

/* Evidence classes: resource ids, region ids, the product's own API operations, its names
 * and its (non-ordinary) vocabulary, outside masked spans. */
void rt_scan_evidence(struct rt_query *q, const struct rt_result *res)
{
    const struct rt_prod *x = q->x;
    for (size_t i = 0; i < res->nentities; i++)
        switch (res->entities[i].kind) {
        case RT_ENT_INSTANCE_ID:
        case RT_ENT_SG_ID:
        case RT_ENT_ENI_ID:
        case RT_ENT_DISK_ID:
        case RT_ENT_SNAPSHOT_ID:
        case RT_ENT_IMAGE_ID:
        case RT_ENT_POLICY_ID:
        case RT_ENT_COMMAND_ID:
        case RT_ENT_INVOCATION_ID:
        case RT_ENT_VSWITCH_ID:
        case RT_ENT_VPC_ID:
        case RT_ENT_SG_RULE_ID:
        case RT_ENT_EIP_ID:
        case RT_ENT_INSTANCE_TYPE:
            q->anchors |= RT_EV_ID;
            break;
        case RT_ENT_REGION:
        case RT_ENT_ZONE:
            q->anchors |= RT_EV_REGION;
            break;
        default:
            break;
        }
    if (q->signals & RT_SIG_OWN_API)
        q->anchors |= RT_EV_API;
    size_t last_end = 0;
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        const struct rt_hit *h = &q->hits[i];
        if (rt_span_has(q, h->start, h->end, SPAN_MASKED))
            continue;
        if (p->anchor) {
            q->anchors |= p->kind == RT_PH_NAME ? RT_EV_NAME : RT_EV_VOCAB;
            if (q->anchor_hit < 0 || h->start >= q->hits[q->anchor_last].end)
                q->nanchor++;
            if (q->anchor_hit < 0)
                q->anchor_hit = (int)i;
            q->anchor_last = (int)i;
        }
        /* Vocabulary spans, overlapping ones once (hits come in order of start). */
        /* Path cues count in Chinese only: English cues hold everyday words ("watch"). */
        int cue = p->kind == RT_PH_CUE && (unsigned char)p->text[0] >= 0x80;
        if ((p->kind == RT_PH_SYN || p->kind == RT_PH_KEYWORD || p->kind == RT_PH_NAME || cue) &&
            (q->vocab == 0 || h->start >= last_end)) {
            q->vocab++;
            q->vocab_latin += (unsigned char)q->norm[h->start] < 0x80;
            last_end = h->end;
        } else if (p->kind == RT_PH_SYN || p->kind == RT_PH_KEYWORD || cue) {
            if (h->end > last_end)
                last_end = h->end;
        }
    }
    for (size_t i = 0; i < res->nentities; i++) {
        q->vocab += res->entities[i].kind == RT_ENT_ERROR_CODE ||
                    res->entities[i].kind == RT_ENT_API;
        /* A dotted error code ("QuotaExceed.ShareImage") is written by the product's API. */
        if (res->entities[i].kind == RT_ENT_ERROR_CODE && strchr(res->entities[i].value, '.'))
            q->anchors |= RT_EV_API;
    }
}

/* Latin words of the skill vocabulary (synonym and keyword words, ordinary ones too)
 * outside masked spans: plural and other forms count, unlike whole phrases. */
void rt_count_vocab_words(struct rt_query *q)
{
    int latin = 0;
    for (size_t i = 0; i < q->ntok; i++)
        latin += q->qw_rest[i] > 0 && q->x->vocab_tok[q->ids[i]];
    /* The phrase count already holds Latin phrases; words add what phrases missed. */
    if (latin > q->vocab_latin)
        q->vocab += latin - q->vocab_latin;
}

