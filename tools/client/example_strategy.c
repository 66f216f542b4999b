/*
 * xroute-example-strategy: a strategy that trades through a running
 * `xroute serve` with libxroute-client (xr_client.h): connect, submit
 * signals, read every fill and result. It is the README's example and the
 * load of the serve integration test.
 *
 *   xroute-example-strategy --socket PATH --name CLIENT --user USER
 *       --symbol SYM [--count N] [--first-id ID] [--qty QTY] [--px PX]
 *       [--side buy|sell] [--tif ioc|day|gtc|fok] [--resubmit K]
 *       [--cancel-every M] [--hold-after H] [--connect-ms MS] [--reconnect]
 *       [--outcomes FILE] [--quiet]
 *
 * It submits N immediate-or-cancel orders (signal_id ID, ID+1, ...; ts_ns
 * the wall clock; market orders, or limit orders at PX; QTY and PX in the
 * 10^8 fixed-point scale of xr_client_proto.h; default QTY 1 unit; buy and
 * sell in turn unless --side: signal_id even buys, odd sells; --tif gives
 * another time in force, e.g. day for a venue that takes DAY orders only),
 * keeping the client ring full and reading events meanwhile, until every
 * signal has its result. With --cancel-every M, every M-th signal is
 * followed by a cancel of it. With --resubmit K it then submits the first
 * K signal_ids again: each must be answered with the outcome it had (the
 * router never routes a signal_id twice). The last line says
 *   strategy CLIENT: signals N results N fills F filled A partial B
 *   canceled C rejected D other E missing 0 duplicates 0 resubmits K
 *   mismatched 0
 * and the exit status is 0 only if missing, duplicates and mismatched are 0.
 * A signal may be answered more than once (a result held while it was
 * away, then the answer to its resubmit): every answer must be the same
 * outcome, and a different one counts as a duplicate.
 * With --hold-after H it stops once H signals have their results and hangs
 * (reads and sends nothing; "holding" on stderr) until it is killed.
 * A connect refused with EALREADY (the previous session of this name is
 * still closing) is retried, at most for --connect-ms (default 5000).
 *
 * With --reconnect a lost router (the session's socket hung up: a router
 * killed with -9, or stopped) is temporary. The strategy reads what the
 * old ring still holds, reconnects with a backoff of 10 ms doubling to
 * 500 ms for at most --connect-ms (connection refused, no socket file, a
 * session still closing, a handshake cut off: all retried), then submits
 * again every signal_id it sent that has no result yet, with the same
 * fields (ts_ns included), and goes on. The router's idempotency (docs/
 * serve.md) answers those it knows with their outcome. The same outcome
 * twice is fine; a different one is a duplicate. The last line then ends
 *   ... mismatched 0 reconnects R resubmitted S
 * (S: records submitted again, over all reconnects). The first connect,
 * too, is retried with that backoff, so a strategy may start before its
 * router.
 * With --outcomes FILE it writes at the end, one line per signal_id in
 * order, no header:
 *   signal_id,final,filled_qty,fills_qty
 * final as the journal names it (filled, partially_filled, canceled,
 * rejected, failed, unknown, open) or missing; filled_qty the result's
 * filled quantity, fills_qty the sum of the fill events read for it (both
 * decimal text of the 10^8 fixed point: 1.5, 0). fills_qty can differ from
 * filled_qty across a router crash (fill events lost with a ring, or
 * delivered again by the next run); filled_qty is the router's word.
 */
/* A strategy builds on its own (pkg-config), with nothing of xroute's
 * flags: say which POSIX it uses (clock_gettime, sched_yield, getopt_long
 * is glibc's and needs no more). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xr_client.h"

/** What the strategy knows of one of its signals. */
struct sig_state {
	uint8_t results;	/* terminal results seen (must end 1) */
	uint8_t final;		/* enum xr_final of the result */
	int64_t filled;		/* its qty */
	int64_t fills;		/* sum of fill events' qty */
	int64_t ts_ns;		/* ts_ns it was first sent with (a resubmit
				 * sends the same) */
};

struct opts {
	const char *socket, *name, *user, *symbol, *outcomes;
	uint64_t count, first_id, resubmit, cancel_every, hold_after;
	uint32_t connect_ms;
	int64_t qty, px;
	uint8_t side, tif;
	bool quiet, reconnect;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct xr_client *
connect_retry(const struct opts *o)
{
	uint64_t until = now_ms() + o->connect_ms;
	for (;;) {
		struct xr_client *c = xr_client_connect(o->socket, o->name);
		if (c != NULL || (errno != EALREADY && errno != ECONNREFUSED && errno != ENOENT) ||
		    now_ms() >= until)
			return c;
		/* The router closes the old session within a millisecond or
		 * two; wait for its socket, not a fixed time. */
		poll(NULL, 0, 1);
	}
}

/* errno of a failed xr_client_connect() that a router being restarted
 * gives: no socket file yet, nobody listening, the old session closing, or
 * the handshake cut off by the router's death. */
static bool
connect_transient(int e)
{
	return e == ENOENT || e == ECONNREFUSED || e == EALREADY || e == EPROTO ||
	       e == ECONNRESET || e == EPIPE;
}

/* --reconnect's connect: retries a transient refusal with a backoff of
 * 10 ms doubling to 500 ms, for at most o->connect_ms in all. @return the
 * client, or NULL with errno (the last refusal's). */
static struct xr_client *
connect_backoff(const struct opts *o)
{
	uint64_t until = now_ms() + o->connect_ms;
	int wait_ms = 10;
	for (;;) {
		struct xr_client *c = xr_client_connect(o->socket, o->name);
		if (c != NULL)
			return c;
		int e = errno;
		uint64_t now = now_ms();
		if (!connect_transient(e) || now >= until) {
			errno = e;
			return NULL;
		}
		/* A wait, not a synchronisation: nothing tells a client that
		 * a router is back but its socket accepting. */
		poll(NULL, 0, (int)(until - now < (uint64_t)wait_ms ? until - now : (uint64_t)wait_ms));
		wait_ms = wait_ms * 2 > 500 ? 500 : wait_ms * 2;
	}
}

/* The signal of index @p k (signal_id first_id + k) into @p sig. */
static void
fill_sig(struct xr_client_signal *sig, const struct opts *o, uint64_t k, int64_t ts_ns)
{
	sig->signal_id = o->first_id + k;
	sig->ts_ns = ts_ns;
	/* Buy, sell, buy...: the position stays near flat. */
	sig->side = o->side != 0 ? o->side : (uint8_t)(1 + (sig->signal_id & 1));
}

/* Fixed point (10^8) as decimal text without trailing zeros: 1.5, -0.25, 0. */
static void
fmt_fixed(char *buf, size_t n, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int len = snprintf(buf, n, "%s%" PRIu64 ".%08" PRIu64, v < 0 ? "-" : "", a / 100000000,
			   a % 100000000);
	if (len <= 0 || (size_t)len >= n)
		return;
	while (buf[len - 1] == '0')
		buf[--len] = 0;
	if (buf[len - 1] == '.')
		buf[--len] = 0;
}

/* --outcomes: one line per signal. @return 0, or -1 with errno. */
static int
write_outcomes(const char *path, const struct opts *o, const struct sig_state *st)
{
	static const char *const names[8] = {"none",	"filled",  "partially_filled",
					      "canceled", "rejected", "failed",
					      "unknown",	"open"};
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (uint64_t k = 0; k < o->count; k++) {
		char a[32], b[32];
		fmt_fixed(a, sizeof(a), st[k].filled);
		fmt_fixed(b, sizeof(b), st[k].fills);
		fprintf(f, "%" PRIu64 ",%s,%s,%s\n", o->first_id + k,
			st[k].results == 0 ? "missing" : names[st[k].final & 7], a, b);
	}
	if (ferror(f) != 0) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Read what events there are; @return events read. */
static int
drain(struct xr_client *c, const struct opts *o, struct sig_state *st, uint64_t *done,
      uint64_t *dups, uint64_t *mismatched, uint64_t *fills, bool resubmitting)
{
	struct xr_client_event ev[256];
	int n = xr_client_poll(c, ev, 256);
	for (int i = 0; i < n; i++) {
		uint64_t k = ev[i].signal_id - o->first_id;
		if (ev[i].signal_id < o->first_id || k >= o->count)
			continue; /* not ours: counted nowhere */
		struct sig_state *s = &st[k];
		if (ev[i].kind == XR_CEV_FILL) {
			s->fills += ev[i].qty;
			(*fills)++;
		} else if (ev[i].kind == XR_CEV_RESULT) {
			if (resubmitting) {
				/* The answer to a resubmit: the same outcome. */
				if (ev[i].final != s->final || ev[i].qty != s->filled)
					(*mismatched)++;
				(*done)++;
				continue;
			}
			if (s->results++ != 0) {
				/* Again: a result held for us while we were away
				 * and the answer to our own resubmit. It must be
				 * the same outcome; another one is a duplicate. */
				if (ev[i].final != s->final || ev[i].qty != s->filled)
					(*dups)++;
				continue;
			}
			s->final = ev[i].final;
			s->filled = ev[i].qty;
			(*done)++;
		}
	}
	return n;
}

static int
usage(void)
{
	fprintf(stderr, "usage: xroute-example-strategy --socket PATH --name CLIENT --user USER "
		"--symbol SYM [--count N] [--first-id ID] [--qty QTY] [--px PX] [--side buy|sell] "
		"[--tif ioc|day|gtc|fok] [--resubmit K] [--cancel-every M] [--hold-after H] "
		"[--connect-ms MS] [--reconnect] [--outcomes FILE] [--quiet]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'}, {"name", required_argument, NULL, 'n'},
		{"user", required_argument, NULL, 'u'}, {"symbol", required_argument, NULL, 'y'},
		{"count", required_argument, NULL, 'c'}, {"first-id", required_argument, NULL, 'f'},
		{"qty", required_argument, NULL, 'q'}, {"px", required_argument, NULL, 'p'},
		{"side", required_argument, NULL, 'd'}, {"resubmit", required_argument, NULL, 'r'},
		{"cancel-every", required_argument, NULL, 'x'},
		{"connect-ms", required_argument, NULL, 'm'}, {"quiet", no_argument, NULL, 'Q'},
		{"hold-after", required_argument, NULL, 'H'},
		{"tif", required_argument, NULL, 't'}, {"reconnect", no_argument, NULL, 'R'},
		{"outcomes", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.count = 1000, .first_id = 1, .qty = 100000000, .connect_ms = 5000,
			 .tif = 3};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.socket = optarg; break;
		case 'n': o.name = optarg; break;
		case 'u': o.user = optarg; break;
		case 'y': o.symbol = optarg; break;
		case 'c': o.count = strtoull(optarg, NULL, 10); break;
		case 'f': o.first_id = strtoull(optarg, NULL, 10); break;
		case 'q': o.qty = strtoll(optarg, NULL, 10); break;
		case 'p': o.px = strtoll(optarg, NULL, 10); break;
		case 'd':
			o.side = strcmp(optarg, "buy") == 0 ? 1 : strcmp(optarg, "sell") == 0 ? 2 : 0;
			if (o.side == 0)
				return usage();
			break;
		case 'r': o.resubmit = strtoull(optarg, NULL, 10); break;
		case 'x': o.cancel_every = strtoull(optarg, NULL, 10); break;
		case 'm': o.connect_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'Q': o.quiet = true; break;
		case 'H': o.hold_after = strtoull(optarg, NULL, 10); break;
		case 't':
			o.tif = strcmp(optarg, "day") == 0   ? 0
				: strcmp(optarg, "gtc") == 0 ? 1
				: strcmp(optarg, "ioc") == 0 ? 3
				: strcmp(optarg, "fok") == 0 ? 4
							     : 0xff;
			if (o.tif == 0xff)
				return usage();
			break;
		case 'R': o.reconnect = true; break;
		case 'o': o.outcomes = optarg; break;
		default: return usage();
		}
	}
	if (o.socket == NULL || o.name == NULL || o.user == NULL || o.symbol == NULL ||
	    o.count == 0 || o.first_id == 0 || o.resubmit > o.count ||
	    strlen(o.user) >= XR_CLIENT_NAME_SIZE || strlen(o.symbol) >= XR_CLIENT_NAME_SIZE)
		return usage();
	struct sig_state *st = calloc(o.count, sizeof(*st));
	if (st == NULL)
		return 1;
	struct xr_client *c = o.reconnect ? connect_backoff(&o) : connect_retry(&o);
	if (c == NULL) {
		fprintf(stderr, "strategy %s: connect %s: %s\n", o.name, o.socket, strerror(errno));
		return 1;
	}
	/* Immediate or cancel (unless --tif): every signal ends at once,
	 * filled or not. A market order unless --px gives a limit. */
	struct xr_client_signal sig = {.kind = XR_CSIG_NEW, .qty = o.qty, .limit_px = o.px,
				       .ord_type = o.px != 0 ? 2 : 1, .tif = o.tif};
	memcpy(sig.user, o.user, strlen(o.user));
	memcpy(sig.symbol, o.symbol, strlen(o.symbol));

	uint64_t sent = 0, done = 0, dups = 0, mismatched = 0, fills = 0;
	/* --reconnect: signals [resub_next, resub_end) are to be submitted
	 * again (those still without a result), before any new one. */
	uint64_t reconnects = 0, resubmitted = 0, resub_next = 0, resub_end = 0;
	bool cancel_due = false;
	/* Submit while the ring takes them; read events whenever it is full. */
	while (done < o.count) {
		bool progressed = false;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		if (o.hold_after != 0 && done >= o.hold_after) {
			/* A strategy that hangs: it reads and sends nothing
			 * more until it is killed (tests kill it here). */
			fprintf(stderr, "strategy %s: holding after %" PRIu64 " results\n", o.name,
				done);
			for (;;)
				pause();
		}
		for (; resub_next < resub_end; resub_next++) {
			struct sig_state *s = &st[resub_next];
			if (s->results != 0)
				continue;
			fill_sig(&sig, &o, resub_next, s->ts_ns);
			if (xr_client_submit(c, &sig) != 0)
				break;
			resubmitted++;
			progressed = true;
		}
		while (resub_next >= resub_end && sent < o.count &&
		       (o.hold_after == 0 || sent < o.hold_after)) {
			if (cancel_due) {
				if (xr_client_cancel(c, o.first_id + sent - 1, o.symbol) != 0)
					break;
				cancel_due = false;
			}
			fill_sig(&sig, &o, sent, now_ns);
			if (xr_client_submit(c, &sig) != 0)
				break;
			st[sent].ts_ns = now_ns;
			sent++;
			progressed = true;
			cancel_due = o.cancel_every != 0 && sent % o.cancel_every == 0;
		}
		uint64_t before = done;
		progressed |= drain(c, &o, st, &done, &dups, &mismatched, &fills, false) > 0;
		if (before == 0 && done != 0 && !o.quiet)
			fprintf(stderr, "strategy %s: first result\n", o.name);
		if (!progressed) {
			struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
				if (!o.reconnect) {
					fprintf(stderr, "strategy %s: the router ended the session "
						"after %" PRIu64 " of %" PRIu64 " results\n", o.name,
						done, o.count);
					break;
				}
				/* What the dead router put in our ring is still
				 * ours: read it all before the ring goes. */
				while (drain(c, &o, st, &done, &dups, &mismatched, &fills, false) > 0)
					;
				uint32_t lost = xr_client_pending(c);
				xr_client_close(c);
				if (!o.quiet)
					fprintf(stderr, "strategy %s: router lost after %" PRIu64
						" of %" PRIu64 " results (%" PRIu32 " records it never "
						"took); reconnecting\n", o.name, done, o.count, lost);
				c = connect_backoff(&o);
				if (c == NULL) {
					fprintf(stderr, "strategy %s: reconnect %s: %s (for %" PRIu32
						" ms); giving up after %" PRIu64 " of %" PRIu64
						" results\n", o.name, o.socket, strerror(errno),
						o.connect_ms, done, o.count);
					break;
				}
				reconnects++;
				resub_next = 0;
				resub_end = sent;
				if (!o.quiet)
					fprintf(stderr, "strategy %s: reconnected (%" PRIu64 ")\n",
						o.name, reconnects);
				continue;
			}
			/* Nothing to do: let the router's threads have the CPU. */
			sched_yield();
		}
	}
	/* Resubmit the first K: each answered with its outcome, not routed. */
	uint64_t answered = 0;
	/* (c is NULL when --reconnect gave up: nothing more to ask.) */
	for (uint64_t k = 0; c != NULL && k < o.resubmit;) {
		fill_sig(&sig, &o, k, st[k].ts_ns);
		if (xr_client_submit(c, &sig) == 0)
			k++;
		drain(c, &o, st, &answered, &dups, &mismatched, &fills, true);
	}
	while (c != NULL && answered < o.resubmit) {
		if (drain(c, &o, st, &answered, &dups, &mismatched, &fills, true) == 0) {
			struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
				break;
		}
	}
	uint64_t by_final[8] = {0}, missing = 0;
	for (uint64_t k = 0; k < o.count; k++) {
		if (st[k].results == 0)
			missing++;
		else
			by_final[st[k].final & 7]++;
	}
	printf("strategy %s: signals %" PRIu64 " results %" PRIu64 " fills %" PRIu64
	       " filled %" PRIu64 " partial %" PRIu64 " canceled %" PRIu64 " rejected %" PRIu64
	       " other %" PRIu64 " missing %" PRIu64 " duplicates %" PRIu64 " resubmits %" PRIu64
	       " mismatched %" PRIu64,
	       o.name, o.count, done, fills, by_final[XR_CFINAL_FILLED],
	       by_final[XR_CFINAL_PARTIAL], by_final[XR_CFINAL_CANCELED],
	       by_final[XR_CFINAL_REJECTED],
	       o.count - missing - by_final[XR_CFINAL_FILLED] - by_final[XR_CFINAL_PARTIAL] -
		       by_final[XR_CFINAL_CANCELED] - by_final[XR_CFINAL_REJECTED],
	       missing, dups, answered, mismatched + (o.resubmit - answered));
	if (o.reconnect)
		printf(" reconnects %" PRIu64 " resubmitted %" PRIu64, reconnects, resubmitted);
	printf("\n");
	int wrote = 0;
	if (o.outcomes != NULL && (wrote = write_outcomes(o.outcomes, &o, st)) != 0)
		fprintf(stderr, "strategy %s: %s: %s\n", o.name, o.outcomes, strerror(errno));
	xr_client_close(c);
	free(st);
	return missing == 0 && dups == 0 && mismatched == 0 && answered == o.resubmit && wrote == 0
		       ? 0
		       : 1;
}
