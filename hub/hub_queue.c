/*  hub_queue.c - per-consumer delivery scheduler: lanes per client, backoff.
 *
 *  Invariants (checked by tests/unit/test_hub_queue.c):
 *    - only the head item of a lane can be in flight; lane->busy says it is;
 *    - a lane is on the ready list iff it has a head, is not busy and the head
 *      is due; on the waiting list iff it has a head, is not busy and the head
 *      is not yet due; else on neither;
 *    - every held item is in self->items (seq -> item);
 *    - n_suspects counts the held items that were in flight at two or more
 *      session losses; while it is not 0, at most one item is in flight
 *      (hub_queue_next), so the one that takes the consumer down is found
 *      alone and the others are not resent with it on every crash.
 *
 *  Poison isolation (issue 13, found 3). One lost session is an ordinary
 *  crash or restart (everything goes again at full speed); a second with the
 *  same item in flight points at a poison event:
 *
 *     session lost --release()--> each in-flight item: suspect + 1 (at 2: a
 *                                 suspect, n_suspects + 1); attempts >= max:
 *                                 left in flight, due now (dead at the next
 *                                 expire()); else back to its lane, due now
 *     n_suspects > 0 ----------> one delivery at a time
 *     a suspect acked, rejected or dead --> n_suspects - 1
 */
#include "hub_queue.h"

#include <stdlib.h>
#include <string.h>

#include "silta_map.h"

typedef struct s_lane s_lane_t;

typedef struct s_item {
    hub_event_t *ev;
    s_lane_t *lane;
    struct s_item *next;             /* in the lane FIFO */
    struct s_item *fl_prev, *fl_next; /* in the in-flight list */
    uint32_t attempts;
    int64_t due_ms;        /* in flight: ack deadline; queued: not before */
    int64_t sent_wall_ms;
    int in_flight;
    int suspect; /* times it was in flight when its consumer's session was lost */
} s_item_t;

enum { S_NOWHERE, S_READY, S_WAITING };

struct s_lane {
    char *key;
    s_item_t *head, *tail;
    s_lane_t *prev, *next; /* in the ready or waiting list */
    int where;
    int busy;
};

typedef struct {
    s_lane_t *head, *tail;
} s_list_t;

struct hub_queue_t {
    hub_queue_config_t config;
    silta_map_t *lanes;  /* client_key -> lane */
    silta_map_t *items;  /* seq -> item */
    s_list_t ready, waiting;
    s_item_t *in_flight; /* doubly linked */
    size_t n_in_flight;
    size_t n_suspects;   /* held items in flight at two or more session losses */
    int64_t wake_at;     /* earliest due time on the waiting list */
};

hub_event_t *hub_event_new(uint64_t seq, silta_envelope_t *env)
{
    hub_event_t *ev = malloc(sizeof *ev);
    if (!ev) {
        silta_codec_free_envelope(&env);
        return NULL;
    }
    ev->seq = seq;
    ev->refs = 1;
    ev->env = env;
    return ev;
}

void hub_event_ref(hub_event_t *ev)
{
    ev->refs++;
}

void hub_event_unref(hub_event_t **ev_p)
{
    if (!ev_p || !*ev_p)
        return;
    hub_event_t *ev = *ev_p;
    if (--ev->refs == 0) {
        silta_codec_free_envelope(&ev->env);
        free(ev);
    }
    *ev_p = NULL;
}

static void s_list_add(s_list_t *l, s_lane_t *lane)
{
    lane->prev = l->tail;
    lane->next = NULL;
    if (l->tail)
        l->tail->next = lane;
    else
        l->head = lane;
    l->tail = lane;
}

static void s_list_del(s_list_t *l, s_lane_t *lane)
{
    if (lane->prev)
        lane->prev->next = lane->next;
    else
        l->head = lane->next;
    if (lane->next)
        lane->next->prev = lane->prev;
    else
        l->tail = lane->prev;
    lane->prev = lane->next = NULL;
}

/* Put the lane on the list its state calls for (see the invariants). */
static void s_lane_place(hub_queue_t *self, s_lane_t *lane, int64_t now_ms)
{
    int want = S_NOWHERE;
    if (lane->head && !lane->busy)
        want = lane->head->due_ms <= now_ms ? S_READY : S_WAITING;
    if (want == lane->where)
        return;
    if (lane->where == S_READY)
        s_list_del(&self->ready, lane);
    else if (lane->where == S_WAITING)
        s_list_del(&self->waiting, lane);
    if (want == S_READY) {
        s_list_add(&self->ready, lane);
    } else if (want == S_WAITING) {
        s_list_add(&self->waiting, lane);
        if (!self->waiting.head->next || lane->head->due_ms < self->wake_at)
            self->wake_at = lane->head->due_ms;
    }
    lane->where = want;
}

static void s_lane_free(hub_queue_t *self, s_lane_t *lane)
{
    silta_map_remove(self->lanes, lane->key, strlen(lane->key));
    free(lane->key);
    free(lane);
}

hub_queue_t *hub_queue_new(const hub_queue_config_t *config)
{
    hub_queue_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->lanes = silta_map_new();
    self->items = silta_map_new();
    if (!self->lanes || !self->items) {
        hub_queue_destroy(&self);
        return NULL;
    }
    return self;
}

static void s_free_lane(void *p)
{
    s_lane_t *lane = p;
    s_item_t *it = lane->head;
    while (it) {
        s_item_t *next = it->next;
        hub_event_unref(&it->ev);
        free(it);
        it = next;
    }
    free(lane->key);
    free(lane);
}

void hub_queue_destroy(hub_queue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_queue_t *self = *self_p;
    silta_map_destroy(&self->items, NULL);
    silta_map_destroy(&self->lanes, s_free_lane);
    free(self);
    *self_p = NULL;
}

int hub_queue_push(hub_queue_t *self, hub_event_t *ev, uint32_t attempts)
{
    if (silta_map_u64_get(self->items, ev->seq))
        return 1;
    const char *key = ev->env->client_key ? ev->env->client_key : "";
    s_lane_t *lane = silta_map_str_get(self->lanes, key);
    if (!lane) {
        lane = calloc(1, sizeof *lane);
        if (!lane || !(lane->key = strdup(key)) ||
            silta_map_put(self->lanes, key, strlen(key), lane) != 0) {
            if (lane)
                free(lane->key);
            free(lane);
            return -1;
        }
    }
    s_item_t *it = calloc(1, sizeof *it);
    if (!it || silta_map_u64_put(self->items, ev->seq, it) != 0) {
        free(it);
        if (!lane->head)
            s_lane_free(self, lane);
        return -1;
    }
    hub_event_ref(ev);
    it->ev = ev;
    it->lane = lane;
    it->attempts = attempts;
    if (lane->tail)
        lane->tail->next = it;
    else
        lane->head = it;
    lane->tail = it;
    /* A new item is due at once (due_ms 0); it only changes where its lane
     * belongs when it is the lane's head. */
    if (lane->head == it)
        s_lane_place(self, lane, 0);
    return 0;
}

/* Move lanes whose backoff has passed from waiting to ready. The waiting list
 * is short (it holds only lanes whose head failed), so a scan is fine. */
static void s_wake(hub_queue_t *self, int64_t now_ms)
{
    int64_t earliest = INT64_MAX;
    s_lane_t *lane = self->waiting.head;
    while (lane) {
        s_lane_t *next = lane->next;
        if (lane->head->due_ms <= now_ms)
            s_lane_place(self, lane, now_ms);
        else if (lane->head->due_ms < earliest)
            earliest = lane->head->due_ms;
        lane = next;
    }
    self->wake_at = earliest;
}

const hub_event_t *hub_queue_next(hub_queue_t *self, int64_t now_ms, int64_t wall_ms,
                                  uint32_t *attempt_out)
{
    if (self->waiting.head && now_ms >= self->wake_at)
        s_wake(self, now_ms);
    s_lane_t *lane = self->ready.head;
    if (!lane || (self->n_suspects > 0 && self->n_in_flight > 0))
        return NULL;
    s_item_t *it = lane->head;
    lane->busy = 1;
    s_lane_place(self, lane, now_ms);
    it->in_flight = 1;
    it->attempts++;
    it->due_ms = now_ms + self->config.ack_timeout_ms;
    it->sent_wall_ms = wall_ms;
    it->fl_prev = NULL;
    it->fl_next = self->in_flight;
    if (self->in_flight)
        self->in_flight->fl_prev = it;
    self->in_flight = it;
    self->n_in_flight++;
    if (attempt_out)
        *attempt_out = it->attempts;
    return it->ev;
}

static void s_unflight(hub_queue_t *self, s_item_t *it)
{
    if (it->fl_prev)
        it->fl_prev->fl_next = it->fl_next;
    else
        self->in_flight = it->fl_next;
    if (it->fl_next)
        it->fl_next->fl_prev = it->fl_prev;
    it->fl_prev = it->fl_next = NULL;
    it->in_flight = 0;
    self->n_in_flight--;
}

/* Remove the head item of its lane (in flight or not) and free it. */
static void s_retire(hub_queue_t *self, s_item_t *it, int64_t now_ms, hub_queue_info_t *info)
{
    s_lane_t *lane = it->lane;
    if (it->in_flight)
        s_unflight(self, it);
    if (info) {
        info->seq = it->ev->seq;
        info->attempts = it->attempts;
        info->sent_wall_ms = it->sent_wall_ms;
    }
    silta_map_u64_remove(self->items, it->ev->seq);
    if (it->suspect >= 2)
        self->n_suspects--;
    lane->head = it->next;
    if (!lane->head)
        lane->tail = NULL;
    lane->busy = 0;
    hub_event_unref(&it->ev);
    free(it);
    if (lane->head) {
        s_lane_place(self, lane, now_ms);
    } else {
        s_lane_place(self, lane, now_ms); /* takes it off any list */
        s_lane_free(self, lane);
    }
}

int hub_queue_ack(hub_queue_t *self, uint64_t seq, int64_t now_ms, hub_queue_info_t *info)
{
    s_item_t *it = silta_map_u64_get(self->items, seq);
    if (!it || it->lane->head != it)
        return -1;
    s_retire(self, it, now_ms, info);
    return 0;
}

int hub_queue_reject(hub_queue_t *self, uint64_t seq, int64_t now_ms, hub_queue_info_t *info)
{
    return hub_queue_ack(self, seq, now_ms, info);
}

/* Back to its lane after a failed attempt, due at due_ms. */
static void s_requeue(hub_queue_t *self, s_item_t *it, int64_t due_ms, int64_t now_ms)
{
    s_unflight(self, it);
    it->due_ms = due_ms;
    it->lane->busy = 0;
    s_lane_place(self, it->lane, now_ms);
}

int hub_queue_unsend(hub_queue_t *self, uint64_t seq, int64_t now_ms, int64_t due_ms)
{
    s_item_t *it = silta_map_u64_get(self->items, seq);
    if (!it || !it->in_flight)
        return -1;
    if (it->attempts > 0)
        it->attempts--;
    s_requeue(self, it, due_ms, now_ms);
    return 0;
}

size_t hub_queue_release(hub_queue_t *self, int64_t now_ms)
{
    size_t n = 0;
    s_item_t *it = self->in_flight;
    while (it) {
        s_item_t *next = it->fl_next;
        if (++it->suspect == 2)
            self->n_suspects++;
        if (it->attempts >= self->config.max_attempts)
            it->due_ms = now_ms; /* no attempt left: dead at the next expire() */
        else
            s_requeue(self, it, now_ms, now_ms);
        n++;
        it = next;
    }
    return n;
}

size_t hub_queue_suspects(const hub_queue_t *self)
{
    return self->n_suspects;
}

size_t hub_queue_expire(hub_queue_t *self, int64_t now_ms, hub_queue_info_t *dead, size_t max_dead)
{
    size_t ndead = 0;
    s_item_t *it = self->in_flight;
    while (it) {
        s_item_t *next = it->fl_next;
        if (it->due_ms <= now_ms) {
            if (it->attempts >= self->config.max_attempts) {
                if (ndead < max_dead)
                    s_retire(self, it, now_ms, &dead[ndead++]);
            } else {
                int64_t delay = self->config.backoff_base_ms;
                for (uint32_t a = 1; a < it->attempts && delay < self->config.backoff_max_ms; a++)
                    delay *= 2;
                if (delay > self->config.backoff_max_ms)
                    delay = self->config.backoff_max_ms;
                s_requeue(self, it, now_ms + delay, now_ms);
            }
        }
        it = next;
    }
    return ndead;
}

size_t hub_queue_held(const hub_queue_t *self)
{
    return silta_map_size(self->items);
}

size_t hub_queue_in_flight(const hub_queue_t *self)
{
    return self->n_in_flight;
}

int hub_queue_holds(const hub_queue_t *self, uint64_t seq)
{
    return silta_map_u64_get(self->items, seq) != NULL;
}

const hub_event_t *hub_queue_in_flight_event(const hub_queue_t *self, uint64_t seq,
                                             uint32_t *attempt_out)
{
    s_item_t *it = silta_map_u64_get(self->items, seq);
    if (!it || !it->in_flight)
        return NULL;
    if (attempt_out)
        *attempt_out = it->attempts;
    return it->ev;
}

static int s_oldest(const void *key, size_t keylen, void *value, void *arg)
{
    (void)key;
    (void)keylen;
    const s_lane_t *lane = value;
    int64_t *oldest = arg;
    /* A lane's head is its oldest item: lanes are FIFOs in journal order. */
    int64_t t = lane->head ? lane->head->ev->env->recorded_at : 0;
    if (t > 0 && (*oldest == 0 || t < *oldest))
        *oldest = t;
    return 0;
}

int64_t hub_queue_oldest_recorded_ms(const hub_queue_t *self)
{
    int64_t oldest = 0;
    silta_map_each(self->lanes, s_oldest, &oldest);
    return oldest;
}
