/*  web_throttle.c - back-off after failed logins. See web_throttle.h.
 *
 *  State: s_slots[], keyed by "u:<username>" and "a:<address>" (a key is
 *  never a password). Invariants: a slot with failures == 0 is free; a key is
 *  in at most one slot; every access holds s_lock.
 *
 *      free --failure--> counting (failures 1..FREE: no wait)
 *      counting --failure--> waiting (wait 2^(failures-FREE) s, capped)
 *      counting|waiting --success--> free
 */
#include "web_throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char key[80];
    int failures;
    int64_t last_ms; /* the last failure */
} s_slot_t;

static s_slot_t s_slots[WEB_THROTTLE_SLOTS];
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

static void s_key(char out[80], char kind, const char *value)
{
    snprintf(out, 80, "%c:%.77s", kind, value ? value : "");
}

/* The slot of key, or NULL. */
static s_slot_t *s_find(const char *key)
{
    for (size_t i = 0; i < WEB_THROTTLE_SLOTS; i++)
        if (s_slots[i].failures > 0 && strcmp(s_slots[i].key, key) == 0)
            return &s_slots[i];
    return NULL;
}

/* The slot of key, made from a free one or the one that failed longest ago. */
static s_slot_t *s_take(const char *key)
{
    s_slot_t *found = s_find(key);
    if (found)
        return found;
    s_slot_t *best = &s_slots[0];
    for (size_t i = 0; i < WEB_THROTTLE_SLOTS; i++) {
        if (s_slots[i].failures == 0) {
            best = &s_slots[i];
            break;
        }
        if (s_slots[i].last_ms < best->last_ms)
            best = &s_slots[i];
    }
    memset(best, 0, sizeof *best);
    snprintf(best->key, sizeof best->key, "%.79s", key);
    return best;
}

/* Seconds still to wait for one slot at now_ms. */
static int s_wait(const s_slot_t *s, int64_t now_ms)
{
    if (!s || s->failures < WEB_THROTTLE_FREE)
        return 0;
    int shift = s->failures - WEB_THROTTLE_FREE;
    int64_t wait_s = shift >= 10 ? WEB_THROTTLE_MAX_S : (int64_t)1 << shift;
    if (wait_s > WEB_THROTTLE_MAX_S)
        wait_s = WEB_THROTTLE_MAX_S;
    int64_t left_ms = s->last_ms + wait_s * 1000 - now_ms;
    return left_ms > 0 ? (int)((left_ms + 999) / 1000) : 0;
}

int web_throttle_wait(const char *user, const char *addr, int64_t now_ms)
{
    char ku[80], ka[80];
    s_key(ku, 'u', user);
    s_key(ka, 'a', addr);
    pthread_mutex_lock(&s_lock);
    int wu = s_wait(s_find(ku), now_ms), wa = s_wait(s_find(ka), now_ms);
    pthread_mutex_unlock(&s_lock);
    return wu > wa ? wu : wa;
}

void web_throttle_record(const char *user, const char *addr, int ok, int64_t now_ms)
{
    char keys[2][80];
    s_key(keys[0], 'u', user);
    s_key(keys[1], 'a', addr);
    pthread_mutex_lock(&s_lock);
    for (int i = 0; i < 2; i++) {
        if (ok) {
            s_slot_t *s = s_find(keys[i]);
            if (s)
                memset(s, 0, sizeof *s);
        } else {
            s_slot_t *s = s_take(keys[i]);
            s->failures++;
            s->last_ms = now_ms;
        }
    }
    pthread_mutex_unlock(&s_lock);
}

void web_throttle_reset(void)
{
    pthread_mutex_lock(&s_lock);
    memset(s_slots, 0, sizeof s_slots);
    pthread_mutex_unlock(&s_lock);
}
