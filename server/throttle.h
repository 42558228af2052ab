/* throttle.h - failed logons and remembered-logon resumptions, counted per
 * (address, user) pair first, per user and per address with much higher
 * thresholds, IPv6 addresses by their /64. The counts live in the session
 * store, so a restart keeps them. Every decision is made under one lock and
 * takes the time from its caller, so tests run on a fake clock. */
#ifndef WEBMSGD_THROTTLE_H
#define WEBMSGD_THROTTLE_H

#include <stddef.h>
#include <time.h>

struct throttle;
struct session_store;

/* Failures allowed before the next attempt waits: 1 s, doubling up to max_delay. */
struct throttle_rules {
	long pair_failures; /* one user from one address */
	long user_failures; /* one user from every address together */
	long addr_failures; /* one address over every user */
	long max_delay;     /* seconds */
};

/* An attempt between throttle_begin and throttle_end. */
struct throttle_attempt {
	char addr[64]; /* the address's group */
	char user[320];
};

/* The rules of login.throttle_* in a configuration. */
struct config_snapshot;
struct throttle_rules throttle_logon_rules(const struct config_snapshot *cfg);

/* Counts in store (borrowed: it must outlive the throttle); NULL keeps them
 * in a store of its own in memory, lost at exit. */
int throttle_new(struct throttle **out, struct session_store *store);
void throttle_free(struct throttle **t);

/* The group an address is counted in: IPv4 (and IPv4-mapped IPv6) as it is,
 * other IPv6 addresses by their /64 ("2001:db8:1:2::/64"). */
void throttle_addr_group(const char *addr, char *out, size_t len);

/* May user try a password from addr now? 0: yes, and the attempt is open
 * until throttle_end; else the seconds to wait. The user's own threshold
 * holds only for addresses with recent failures (or an attempt open): a
 * correct password from a clean address gets through while the user is
 * attacked from elsewhere. Once a threshold is reached, one attempt at a
 * time is open, so a burst as the delay ends gets one password check. */
long throttle_begin(struct throttle *t, const struct throttle_rules *rules, const char *addr,
		    const char *user, time_t now, struct throttle_attempt *a);
/* Closes the attempt: a failure counts everywhere, a success forgets the
 * pair's failures (not the user's or the address's: an attacker with an
 * account of his own would clear them). ok THROTTLE_UNDECIDED closes it
 * without either: a right password with a second factor still to come must
 * not forgive the wrong codes typed before it. */
#define THROTTLE_UNDECIDED (-1)
void throttle_end(struct throttle *t, const struct throttle_rules *rules,
		  const struct throttle_attempt *a, int ok, time_t now);

/* Remembered-logon resumptions from addr: at most per_minute in a minute,
 * successful or not. 0: this one may go (and is counted); else seconds to wait. */
long throttle_resume(struct throttle *t, long per_minute, const char *addr, time_t now);

#endif
