/* throttle.h - failed logons, counted per client address and per user, with
 * a delay that doubles after the third failure (up to five minutes). */
#ifndef WEBMSGD_THROTTLE_H
#define WEBMSGD_THROTTLE_H

#include <time.h>

struct throttle;

int throttle_new(struct throttle **out);
void throttle_free(struct throttle **t);
/* Seconds to wait before key may try again; 0 when it may now. */
long throttle_wait(struct throttle *t, const char *key, time_t now);
void throttle_fail(struct throttle *t, const char *key, time_t now);
void throttle_reset(struct throttle *t, const char *key);

#endif
