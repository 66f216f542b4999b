/*
 * The serve engine's sources (engine/sources.c) end to end: an engine in
 * serve mode on its own thread, clients of libxroute-client in this
 * process (threads) or in forked children, results and fills back on each
 * client's ring, the books' idempotency, authorization, a killed client
 * and a client that never reads, and the drain on a stop request.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "xr_client.h"
#include "xr_config.h"
#include "xr_engine.h"

#define VENUES                                                                   \
	"[threads]\n"                                                                \
	"front.stages = ingress, validate, route\n"                                  \
	"front.wait = backoff\n"                                                     \
	"back.stages = execute.*, aggregate, output\n"                               \
	"back.wait = backoff\n"                                                      \
	"[venue alpha]\n"                                                            \
	"latency_us = 0\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=1000000\n"                \
	"[venue bravo]\n"                                                            \
	"latency_us = 0\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=1000000\n"                \
	"[user_defaults]\n"                                                          \
	"rate_per_s = 10000000\n"                                                    \
	"burst = 10000000\n"                                                         \
	"[user ann]\n"                                                               \
	"[user bob]\n"

/** The engine under test and its thread. */
struct served {
	struct xr_config *cfg;
	struct xr_engine *e;
	pthread_t tid;
	int rc;
	_Atomic int stop;
	char err[512];
	char sock[256];
};

static void *
run_main(void *arg)
{
	struct served *s = arg;
	s->rc = xr_engine_run(s->e, s->err, sizeof(s->err));
	return NULL;
}

/* Start a serve engine on VENUES + @p extra (a [serve] and [client]s; the
 * socket is DIR/x.sock, given here). */
static void
serve_start(struct served *s, const char *extra)
{
	char text[4096];
	snprintf(s->sock, sizeof(s->sock), "%s", xr_test_path("x.sock"));
	snprintf(text, sizeof(text), VENUES "[serve]\nsocket = %s\n%s", s->sock, extra);
	s->cfg = xr_test_load_config(text);
	struct xr_engine_io io = {.serve = true, .drain_timeout_ms = 5000, .events_quiet = true,
				  .stop_request = &s->stop};
	s->e = xr_engine_create(s->cfg, &io, s->err, sizeof(s->err));
	cr_assert_not_null(s->e, "%s", s->err);
	cr_assert_eq(pthread_create(&s->tid, NULL, run_main, s), 0);
}

/* SIGTERM, as xroute serve's handler gives it; wait for the drain. */
static const struct xr_summary *
serve_stop(struct served *s)
{
	atomic_store(&s->stop, SIGTERM);
	pthread_join(s->tid, NULL);
	cr_assert_eq(s->rc, 0, "%s", s->err);
	return xr_engine_summary(s->e);
}

static void
serve_free(struct served *s)
{
	xr_engine_destroy(s->e);
	xr_config_free(s->cfg);
}

/* A client named @p name: the engine's owner accepts it within a tick. */
static struct xr_client *
connect_to(const struct served *s, const char *name)
{
	struct xr_client *c = NULL;
	for (int i = 0; i < 2000 && c == NULL; i++) {
		c = xr_client_connect(s->sock, name);
		if (c == NULL && errno != ENOENT && errno != ECONNREFUSED)
			break; /* refused for a reason: the caller checks errno */
		if (c == NULL)
			poll(NULL, 0, 1); /* the socket is made before the run starts */
	}
	return c;
}

static struct xr_client_signal
order(uint64_t id, const char *user)
{
	struct xr_client_signal g = {.kind = XR_CSIG_NEW, .signal_id = id, .ts_ns = (int64_t)id,
				     .qty = 100000000, .limit_px = 10100000000, .side = 1,
				     .ord_type = 2, .tif = 3};
	strcpy(g.user, user);
	strcpy(g.symbol, "BTC-USD");
	return g;
}

/* Read events until @p want results came, or the router hung up. */
static uint64_t
await_results(struct xr_client *c, uint64_t want, struct xr_client_event *last, uint64_t *fills)
{
	uint64_t got = 0;
	while (got < want) {
		struct xr_client_event ev[64];
		int n = xr_client_poll(c, ev, 64);
		for (int i = 0; i < n; i++) {
			if (ev[i].kind == XR_CEV_RESULT) {
				got++;
				if (last != NULL)
					*last = ev[i];
			} else if (ev[i].kind == XR_CEV_FILL && fills != NULL) {
				(*fills)++;
			}
		}
		if (n == 0) {
			struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
			if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
				break;
		}
	}
	return got;
}

static char g_extra[1024];

/* [client NAME] for this process's uid. */
static const char *
clients(const char *more)
{
	snprintf(g_extra, sizeof(g_extra),
		 "[client desk]\nuid = %u\nusers = ann\n"
		 "[client all]\nuid = %u\nusers = *\n%s",
		 (unsigned)getuid(), (unsigned)getuid(), more);
	return g_extra;
}

TestSuite(sources, .init = xr_test_make_dir, .timeout = 60);

Test(sources, every_signal_gets_one_result_and_a_resubmit_is_not_routed)
{
	struct served s = {0};
	serve_start(&s, clients(""));
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c, "connect: %s", strerror(errno));
	for (uint64_t id = 1; id <= 200;) {
		struct xr_client_signal g = order(id, "ann");
		if (xr_client_submit(c, &g) == 0)
			id++;
		else
			await_results(c, 0, NULL, NULL);
	}
	struct xr_client_event last;
	uint64_t fills = 0;
	cr_assert_eq(await_results(c, 200, &last, &fills), 200);
	cr_assert_eq(last.final, XR_CFINAL_FILLED);
	cr_assert_geq(fills, 200, "every fill is an event");
	/* Again: answered from the book with the same outcome. */
	struct xr_client_signal g = order(7, "ann");
	cr_assert_eq(xr_client_submit(c, &g), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.signal_id, 7);
	cr_assert_eq(last.final, XR_CFINAL_FILLED);
	cr_assert_eq(last.qty, 100000000);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->signals_read, 200, "the resubmit was not routed");
	cr_assert_eq(sm->accepted, 200);
	cr_assert_eq(sm->unaccounted, 0);
	cr_assert_eq(sm->duplicates, 0);
	cr_assert_eq(sm->exposure_left, 0);
	xr_client_close(c);
	serve_free(&s);
}

Test(sources, a_user_the_client_may_not_trade_for_is_not_authorized)
{
	struct served s = {0};
	serve_start(&s, clients(""));
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c);
	struct xr_client_signal g = order(1, "bob");
	cr_assert_eq(xr_client_submit(c, &g), 0);
	struct xr_client_event last;
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_REJECTED);
	cr_assert_eq(last.reason, XR_R_NOT_AUTHORIZED);
	/* A value out of range: rejected on the ring, the client stays. */
	g = order(2, "ann");
	g.side = 9;
	cr_assert_eq(xr_client_submit(c, &g), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.signal_id, 2);
	cr_assert_eq(last.reason, XR_R_PARSE);
	g = order(3, "ann");
	cr_assert_eq(xr_client_submit(c, &g), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_FILLED);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->unaccounted, 0);
	xr_client_close(c);
	serve_free(&s);
}

Test(sources, unknown_names_and_wrong_uids_are_refused)
{
	struct served s = {0};
	char more[128];
	snprintf(more, sizeof(more), "[client other]\nuid = %u\nusers = ann\n",
		 (unsigned)getuid() + 1);
	serve_start(&s, clients(more));
	cr_assert_null(connect_to(&s, "nobody"));
	cr_assert_eq(errno, EACCES);
	cr_assert_null(connect_to(&s, "other"));
	cr_assert_eq(errno, EACCES);
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c);
	cr_assert_null(connect_to(&s, "desk"), "one session per name");
	cr_assert_eq(errno, EALREADY);
	serve_stop(&s);
	xr_client_close(c);
	serve_free(&s);
}

/* Child: once told to (a byte on @p go), connect as "all", submit @p n
 * orders, die without reading. Forked before the engine's threads exist,
 * so it inherits no lock another thread held. */
static void
child_submit_and_die(int go, const char *sock, uint64_t n)
{
	char b;
	if (read(go, &b, 1) != 1)
		_exit(9);
	struct xr_client *c = xr_client_connect(sock, "all");
	if (c == NULL)
		_exit(10);
	for (uint64_t id = 1; id <= n;) {
		struct xr_client_signal g = order(id, "bob");
		if (xr_client_submit(c, &g) == 0)
			id++;
	}
	/* Until the router took them all: they are routed, then it dies. */
	while (xr_client_pending(c) != 0)
		;
	kill(getpid(), SIGKILL);
	_exit(11);
}

Test(sources, a_killed_client_leaves_the_others_whole_and_resumes)
{
	struct served s = {0};
	int go[2];
	cr_assert_eq(pipe(go), 0);
	const char *sock = xr_test_path("x.sock");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child_submit_and_die(go[0], sock, 100);
	serve_start(&s, clients(""));
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c);
	cr_assert_eq(write(go[1], "g", 1), 1);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	for (uint64_t id = 1; id <= 100;) {
		struct xr_client_signal g = order(id, "ann");
		if (xr_client_submit(c, &g) == 0)
			id++;
		else
			await_results(c, 0, NULL, NULL);
	}
	cr_assert_eq(await_results(c, 100, NULL, NULL), 100);
	/* The killed client's name reconnects and finds its outcomes held. */
	struct xr_client *again = NULL;
	for (int i = 0; i < 2000 && again == NULL; i++)
		if ((again = connect_to(&s, "all")) == NULL && errno == EALREADY)
			poll(NULL, 0, 1); /* its old session is still closing */
	cr_assert_not_null(again, "%s", strerror(errno));
	/* Results its dead ring held are gone with it; those made after
	 * wait in its buffer, and asking again answers the rest. */
	for (uint64_t id = 1; id <= 100;) {
		struct xr_client_signal g = order(id, "bob");
		if (xr_client_submit(again, &g) == 0)
			id++;
	}
	bool seen[101] = {false};
	uint64_t distinct = 0;
	while (distinct < 100) {
		struct xr_client_event ev[64];
		int n = xr_client_poll(again, ev, 64);
		for (int i = 0; i < n; i++)
			if (ev[i].kind == XR_CEV_RESULT && ev[i].signal_id >= 1 &&
			    ev[i].signal_id <= 100 && !seen[ev[i].signal_id]) {
				seen[ev[i].signal_id] = true;
				distinct++;
			}
	}
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->signals_read, 200, "each signal routed once, the resubmits answered");
	cr_assert_eq(sm->unaccounted, 0);
	cr_assert_eq(sm->duplicates, 0);
	xr_client_close(c);
	xr_client_close(again);
	serve_free(&s);
}

Test(sources, a_client_that_never_reads_is_disconnected_alone)
{
	struct served t = {0};
	snprintf(g_extra, sizeof(g_extra),
		 "result_ring = 64\nresult_buffer = 16\n"
		 "[client desk]\nuid = %u\nusers = ann\n"
		 "[client all]\nuid = %u\nusers = *\n",
		 (unsigned)getuid(), (unsigned)getuid());
	serve_start(&t, g_extra);
	struct xr_client *lazy = connect_to(&t, "all");
	struct xr_client *c = connect_to(&t, "desk");
	cr_assert_not_null(lazy);
	cr_assert_not_null(c);
	/* 200 results cannot fit in 64 slots and 16 held: lazy goes. */
	for (uint64_t id = 1; id <= 200;) {
		struct xr_client_signal g = order(id, "bob");
		if (xr_client_submit(lazy, &g) == 0)
			id++;
	}
	struct pollfd p = {.fd = xr_client_fd(lazy), .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 20000), 1, "the router ended the lazy session");
	/* The reader keeps at most 10 signals unread: 30 events (new, fill,
	 * result each), where 64 + 16 would hold. */
	uint64_t got = 0;
	for (uint64_t id = 1; id <= 100; id += 10) {
		for (uint64_t k = id; k < id + 10; k++) {
			struct xr_client_signal g = order(k, "ann");
			cr_assert_eq(xr_client_submit(c, &g), 0);
		}
		got += await_results(c, 10, NULL, NULL);
	}
	cr_assert_eq(got, 100, "the reader is not hurt");
	const struct xr_summary *sm = serve_stop(&t);
	/* What lazy's ring still held when it was cut off went with it. */
	cr_assert(sm->signals_read > 100 && sm->signals_read <= 300, "%" PRIu64,
		  sm->signals_read);
	cr_assert_eq(sm->unaccounted, 0, "its orders still end and are accounted");
	cr_assert_eq(sm->duplicates, 0);
	xr_client_close(c);
	xr_client_close(lazy);
	serve_free(&t);
}

Test(sources, a_resting_order_is_live_then_canceled)
{
	struct served s = {0};
	serve_start(&s, clients(""));
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c);
	struct xr_client_signal g = order(1, "ann");
	g.limit_px = 100000000; /* 1.00: far under the book, it rests */
	g.tif = 0;		/* day */
	cr_assert_eq(xr_client_submit(c, &g), 0);
	struct xr_client_event ev;
	int n;
	do
		n = xr_client_poll(c, &ev, 1);
	while (n == 0);
	cr_assert_eq(ev.kind, XR_CEV_NEW, "kind %u", ev.kind);
	cr_assert_eq(ev.signal_id, 1);
	cr_assert_eq(xr_client_cancel(c, 1, "BTC-USD"), 0);
	struct xr_client_event last;
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_CANCELED);
	/* Again: nothing open to cancel. */
	cr_assert_eq(xr_client_cancel(c, 1, "BTC-USD"), 0);
	do
		n = xr_client_poll(c, &ev, 1);
	while (n == 0);
	cr_assert_eq(ev.kind, XR_CEV_CANCEL_REJECT);
	cr_assert_eq(ev.final, XR_CFINAL_CANCELED);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->unaccounted, 0);
	cr_assert_eq(sm->exposure_left, 0);
	xr_client_close(c);
	serve_free(&s);
}

/* serve's readiness: what io.on_ready heard. */
static char g_down[256];
static _Atomic int g_ready;

static void
on_ready(void *arg, uint64_t now_ns, const char *down)
{
	(void)arg;
	(void)now_ns;
	snprintf(g_down, sizeof(g_down), "%s", down);
	atomic_store(&g_ready, 1);
}

Test(sources, ready_waits_for_the_venues_and_names_those_down)
{
	/* A FIX venue nobody listens for (port 1): down at the ready timeout. */
	char text[4096];
	snprintf(text, sizeof(text), VENUES
		 "[venue fixv]\nconnector = fix\nhost = 127.0.0.1\nport = 1\n"
		 "sender_comp_id = A\ntarget_comp_id = B\n"
		 "book.BTC-USD = mid=100 tick=1 levels=2 level_qty=1\n"
		 "[serve]\nsocket = %s\nready_timeout_ms = 300\n%s",
		 xr_test_path("x.sock"), clients(""));
	struct served s = {0};
	snprintf(s.sock, sizeof(s.sock), "%s", xr_test_path("x.sock"));
	s.cfg = xr_test_load_config(text);
	struct xr_engine_io io = {.serve = true, .drain_timeout_ms = 2000, .events_quiet = true,
				  .stop_request = &s.stop, .on_ready = on_ready};
	s.e = xr_engine_create(s.cfg, &io, s.err, sizeof(s.err));
	cr_assert_not_null(s.e, "%s", s.err);
	cr_assert_eq(pthread_create(&s.tid, NULL, run_main, &s), 0);
	/* A client connecting early waits for its welcome until ready. */
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c, "%s", strerror(errno));
	cr_assert_eq(atomic_load(&g_ready), 1, "welcomed only once ready");
	cr_assert_str_eq(g_down, "fixv");
	struct xr_client_signal g = order(1, "ann");
	cr_assert_eq(xr_client_submit(c, &g), 0);
	struct xr_client_event last;
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->unaccounted, 0);
	xr_client_close(c);
	serve_free(&s);
}

Test(sources, a_flooding_client_does_not_starve_another)
{
	/* A slow pipeline (venues answer in 2 ms, 64 orders in flight, rings
	 * of 64): the flood of A waits mostly in A's own ring, and B's one
	 * signal is taken on the next turn, not behind A's 4096. */
	char text[4096];
	snprintf(text, sizeof(text),
		 "[engine]\nring_capacity = 64\nmax_inflight_orders = 64\n"
		 "[venue alpha]\nlatency_us = 2000\njitter_us = 0\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=1000000\n"
		 "[user_defaults]\nrate_per_s = 10000000\nburst = 10000000\n"
		 "[user ann]\n[user bob]\n"
		 "[serve]\nsocket = %s\nclient_ring = 4096\nresult_ring = 16384\n"
		 "source_burst = 8\n%s",
		 xr_test_path("x.sock"), clients(""));
	struct served s = {0};
	snprintf(s.sock, sizeof(s.sock), "%s", xr_test_path("x.sock"));
	s.cfg = xr_test_load_config(text);
	struct xr_engine_io io = {.serve = true, .drain_timeout_ms = 5000, .events_quiet = true,
				  .stop_request = &s.stop};
	s.e = xr_engine_create(s.cfg, &io, s.err, sizeof(s.err));
	cr_assert_not_null(s.e, "%s", s.err);
	cr_assert_eq(pthread_create(&s.tid, NULL, run_main, &s), 0);
	struct xr_client *a = connect_to(&s, "all");
	struct xr_client *b = connect_to(&s, "desk");
	cr_assert(a != NULL && b != NULL);
	for (uint64_t id = 1; id <= 4096; id++) {
		struct xr_client_signal g = order(id, "bob");
		cr_assert_eq(xr_client_submit(a, &g), 0);
	}
	struct xr_client_signal g = order(1, "ann");
	cr_assert_eq(xr_client_submit(b, &g), 0);
	cr_assert_eq(await_results(b, 1, NULL, NULL), 1);
	/* By then A cannot be near done: its 4096 need 64 at a time x 2 ms. */
	uint64_t a_done = 0;
	struct xr_client_event ev[256];
	for (int n; (n = xr_client_poll(a, ev, 256)) > 0;)
		for (int i = 0; i < n; i++)
			a_done += ev[i].kind == XR_CEV_RESULT;
	cr_assert_lt(a_done, 1024, "B waited behind %" PRIu64 " of A's results", a_done);
	cr_assert_eq(await_results(a, 4096 - a_done, NULL, NULL), 4096 - a_done);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->signals_read, 4097);
	cr_assert_eq(sm->unaccounted, 0);
	xr_client_close(a);
	xr_client_close(b);
	serve_free(&s);
}

Test(sources, the_window_forgets_the_oldest_and_refuses_when_all_are_open)
{
	struct served s = {0};
	char extra[1100];
	snprintf(extra, sizeof(extra), "idempotency_window = 1024\n%s", clients(""));
	serve_start(&s, extra);
	struct xr_client *c = connect_to(&s, "desk");
	cr_assert_not_null(c);
	/* 1024 orders resting far below the book fill the window. */
	for (uint64_t id = 1; id <= 1024;) {
		struct xr_client_signal g = order(id, "ann");
		g.limit_px = 100000000;
		g.tif = 0;
		if (xr_client_submit(c, &g) == 0)
			id++;
	}
	for (uint64_t live = 0; live < 1024;) {
		struct xr_client_event ev[64];
		int n = xr_client_poll(c, ev, 64);
		for (int i = 0; i < n; i++)
			live += ev[i].kind == XR_CEV_NEW;
	}
	/* All open: one more is refused, not remembered, not routed. */
	struct xr_client_signal g = order(5000, "ann");
	cr_assert_eq(xr_client_submit(c, &g), 0);
	struct xr_client_event last;
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.signal_id, 5000);
	cr_assert_eq(last.reason, XR_R_OVERLOADED);
	/* Cancel them all: their entries are done and may be reused. */
	for (uint64_t id = 1; id <= 1024;)
		if (xr_client_cancel(c, id, "BTC-USD") == 0)
			id++;
	cr_assert_eq(await_results(c, 1024, NULL, NULL), 1024);
	/* Now 5000 goes through, and takes the oldest entry: id 1 is
	 * forgotten, so id 1 again is a new signal. */
	cr_assert_eq(xr_client_submit(c, &g), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_FILLED);
	struct xr_client_signal again = order(1, "ann");
	cr_assert_eq(xr_client_submit(c, &again), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_FILLED, "routed anew, not the old canceled outcome");
	/* That took the next oldest entry, id 2's; id 3, still remembered,
	 * is answered canceled from the book. */
	again = order(3, "ann");
	cr_assert_eq(xr_client_submit(c, &again), 0);
	cr_assert_eq(await_results(c, 1, &last, NULL), 1);
	cr_assert_eq(last.final, XR_CFINAL_CANCELED);
	const struct xr_summary *sm = serve_stop(&s);
	cr_assert_eq(sm->signals_read, 1026, "1024, then 5000 and 1 again");
	cr_assert_eq(sm->unaccounted, 0);
	xr_client_close(c);
	serve_free(&s);
}
