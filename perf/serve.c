/*
 * serve: `xroute serve` measured from other processes (docs/serve.md), with
 * zero-latency sim venues, each figure against a reference measured in the
 * same round.
 *
 * DESIGN
 *   Per round, in this order:
 *     floor   the cache-line ping-pong round trip between two threads of
 *             this process pinned to cpu_a and cpu_b (perf/floor.c), before
 *             the engine starts;
 *     tcp     loopback TCP round trips of a 200-byte message, a thread
 *             pinned to cpu_a to an echo thread pinned to cpu_b
 *             (perf/fix.c), each one timed;
 *     engine  the engine of a generated config (the five venues, users and
 *             [engine] keys of docs/examples/serve.ini; clients rtt, t1,
 *             c1..c4; a FIX session PERF on an ephemeral loopback port),
 *             xr_engine_create + xr_engine_run with io.serve on a thread
 *             of this process, its two stage threads pinned to cpu_a and
 *             cpu_b (backoff wait), stopped by io.stop_request; then:
 *     client  one client process (`xroute-perf serve-client rtt`, this
 *             binary run again, linking libxroute-client) sends a market
 *             IOC signal and waits for its terminal result before the next:
 *             each submit -> XR_CEV_RESULT round trip timed in the client;
 *     tput    closed loop: 1 client process, then 4 at once, each keeping
 *             its ring full (as tools/client/example_strategy.c); they
 *             connect, say ready, and start on one go; signals/s = all
 *             signals / (first submit of any -> last result of any), on
 *             CLOCK_MONOTONIC, which every process shares;
 *     fix     one process as a FIX 4.4 initiator over loopback TCP (the
 *             project's codec, connectors/fix/xr_fix.h): Logon, then one
 *             marketable limit IOC NewOrderSingle at a time, each timed
 *             from its send to the ExecutionReport with OrdStatus Filled;
 *     then the engine stops (its summary must account for every signal),
 *     and `xroute-perf pipeline`'s closed loop runs once on its own
 *     workload (5 venues, 100 users, `xroute gen` signals).
 *   Each child writes one line of figures to a pipe; per-round ratios are
 *   taken within the round and the medians over rounds reported.
 *
 * FIGURES
 *   serve.floor.rtt, serve.tcp.rtt (p50; p99, p999, mean as extras),
 *   serve.client.rtt (p50; ratio_vs_floor = p50 / the round's floor, and
 *   p99_vs_floor, p999_vs_floor), serve.closed.1client and
 *   serve.closed.4clients (signals/s; vs_1client, vs_pipeline),
 *   serve.pipeline.closed (signals/s), serve.fix.rtt (p50; p50_vs_tcp,
 *   p99_vs_tcp, p999_vs_tcp against the same round's serve.tcp.rtt).
 *   No time is asserted; a signal without its result, or a round trip
 *   that did not end Filled, fails the subcommand.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>

#include "perf_pvt.h"
#include "xr_client.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_fix.h"

#define XR__SERVE_MAX_CLIENTS 4

/* ---- the client processes (xroute-perf serve-client ...) ---- */

static int
xr__cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of @p n sorted samples. */
static uint64_t
xr__pct(const uint64_t *v, uint64_t n, double q)
{
	uint64_t k = (uint64_t)ceil(q * (double)n);
	return v[k == 0 ? 0 : k - 1];
}

/* Sort @p v and print "n p50 p99 p999 mean" after @p tag. */
static void
xr__print_pcts(const char *tag, uint64_t *v, uint64_t n, uint64_t bad)
{
	double sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += (double)v[i];
	qsort(v, n, sizeof(*v), xr__cmp_u64);
	printf("%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %.1f %" PRIu64 "\n", tag, n,
	       xr__pct(v, n, 0.5), xr__pct(v, n, 0.99), xr__pct(v, n, 0.999), sum / (double)n,
	       bad);
	fflush(stdout);
}

static struct xr_client *
xr__connect_retry(const char *sock, const char *name)
{
	uint64_t until = xr_perf_now_ns() + UINT64_C(10000000000);
	for (;;) {
		struct xr_client *c = xr_client_connect(sock, name);
		if (c != NULL || (errno != EALREADY && errno != ECONNREFUSED && errno != ENOENT) ||
		    xr_perf_now_ns() >= until)
			return c;
		poll(NULL, 0, 1);
	}
}

/* How a client waits when its ring has no event (--client-wait). */
static enum xr_perf_client_wait xr__wait_mode = XR_PERF_WAIT_SLEEP;

static void
xr__client_wait(void)
{
	switch (xr__wait_mode) {
	case XR_PERF_WAIT_SLEEP:
		/* 1 us asked, the default timer slack (50 us) granted: the
		 * CPU goes to the router's threads meanwhile. */
		nanosleep(&(struct timespec){.tv_nsec = 1000}, NULL);
		break;
	case XR_PERF_WAIT_YIELD:
		sched_yield();
		break;
	case XR_PERF_WAIT_SPIN:
		ck_pr_stall();
		break;
	}
}

static void
xr__sig_init(struct xr_client_signal *sig, const char *user)
{
	memset(sig, 0, sizeof(*sig));
	sig->kind = XR_CSIG_NEW;
	sig->qty = 1000000; /* 0.01 BTC: the touch level holds 1000 */
	sig->ord_type = 1;  /* market */
	sig->tif = 3;	    /* IOC: it ends at once, filled */
	memcpy(sig->user, user, strlen(user));
	memcpy(sig->symbol, "BTC-USD", 7);
}

/* rtt SOCK NAME USER WARMUP N: ping-pong round trips. */
static int
xr__client_rtt(const char *sock, const char *name, const char *user, uint64_t warm, uint64_t n)
{
	uint64_t *lat = calloc(n, sizeof(*lat)), bad = 0;
	struct xr_client *c = xr__connect_retry(sock, name);
	if (c == NULL || lat == NULL) {
		fprintf(stderr, "xroute-perf serve-client %s: connect %s: %s\n", name, sock,
			strerror(errno));
		return 1;
	}
	struct xr_client_signal sig;
	struct xr_client_event ev[16];
	xr__sig_init(&sig, user);
	for (uint64_t i = 0; i < warm + n; i++) {
		sig.signal_id = i + 1;
		sig.side = (uint8_t)(1 + (i & 1)); /* buy, sell: flat */
		uint64_t t0 = xr_perf_now_ns();
		sig.ts_ns = (int64_t)t0;
		if (xr_client_submit(c, &sig) != 0) {
			fprintf(stderr, "xroute-perf serve-client %s: ring full with one in flight\n",
				name);
			return 1;
		}
		bool done = false;
		uint64_t t1 = 0;
		while (!done) {
			int k = xr_client_poll(c, ev, 16);
			for (int j = 0; j < k; j++) {
				if (ev[j].kind != XR_CEV_RESULT || ev[j].signal_id != sig.signal_id)
					continue;
				t1 = xr_perf_now_ns();
				done = true;
				bad += ev[j].final != XR_CFINAL_FILLED;
			}
			if (k == 0) {
				struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
				if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
					fprintf(stderr, "xroute-perf serve-client %s: the router "
						"ended the session\n", name);
					return 1;
				}
				xr__client_wait();
			}
		}
		if (i >= warm)
			lat[i - warm] = t1 - t0;
	}
	xr__print_pcts("rtt", lat, n, bad);
	xr_client_close(c);
	free(lat);
	return 0;
}

/* tput SOCK NAME USER N: connect, print "ready", wait for a byte on stdin,
 * then keep the ring full until N results. */
static int
xr__client_tput(const char *sock, const char *name, const char *user, uint64_t n)
{
	struct xr_client *c = xr__connect_retry(sock, name);
	if (c == NULL) {
		fprintf(stderr, "xroute-perf serve-client %s: connect %s: %s\n", name, sock,
			strerror(errno));
		return 1;
	}
	char go;
	printf("ready\n");
	fflush(stdout);
	if (read(0, &go, 1) != 1)
		return 1;
	struct xr_client_signal sig;
	struct xr_client_event ev[256];
	xr__sig_init(&sig, user);
	uint64_t sent = 0, done = 0, bad = 0, t_first = 0, t_last = 0;
	while (done < n) {
		bool progressed = false;
		int64_t now = (int64_t)xr_perf_now_ns();
		while (sent < n) {
			sig.signal_id = sent + 1;
			sig.ts_ns = now;
			sig.side = (uint8_t)(1 + (sent & 1));
			if (xr_client_submit(c, &sig) != 0)
				break;
			if (sent++ == 0)
				t_first = xr_perf_now_ns();
			progressed = true;
		}
		int k = xr_client_poll(c, ev, 256);
		for (int j = 0; j < k; j++) {
			if (ev[j].kind != XR_CEV_RESULT)
				continue;
			done++;
			bad += ev[j].final != XR_CFINAL_FILLED;
		}
		if (k > 0) {
			progressed = true;
			t_last = xr_perf_now_ns();
		}
		if (!progressed) {
			struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
				fprintf(stderr, "xroute-perf serve-client %s: the router ended the "
					"session after %" PRIu64 " of %" PRIu64 " results\n", name,
					done, n);
				return 1;
			}
			xr__client_wait();
		}
	}
	printf("tput %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", n, t_first, t_last, bad);
	fflush(stdout);
	xr_client_close(c);
	return 0;
}

/* ---- the FIX initiator ---- */

struct xr__fix_conn {
	int fd;
	uint64_t seq;
	char in[65536];
	size_t have;
	struct xr_fix_msg m;
};

static uint64_t
xr__unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
xr__fix_head(struct xr__fix_conn *fc, struct xr_fix_writer *w, char *buf, size_t cap,
	     const char *type)
{
	xr_fix_begin(w, buf, cap, XR_FIX_44, type);
	xr_fix_put_str(w, 49, "PERF", 4);
	xr_fix_put_str(w, 56, "XROUTE", 6);
	xr_fix_put_u64(w, 34, fc->seq++);
	xr_fix_put_time(w, 52, xr__unix_ns());
}

static int
xr__fix_send(struct xr__fix_conn *fc, struct xr_fix_writer *w)
{
	const char *out;
	size_t len;
	if (xr_fix_finish(w, &out, &len) != 0)
		return -1;
	return send(fc->fd, out, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Read until one whole message is parsed into fc->m. @return 0 or -1. */
static int
xr__fix_next(struct xr__fix_conn *fc, size_t *consumed)
{
	for (;;) {
		size_t len;
		enum xr_fix_error why;
		int f = fc->have ? xr_fix_frame(fc->in, fc->have, &len, &why) : 0;
		if (f == 1) {
			if (xr_fix_parse(fc->in, len, &fc->m, &why) != 0)
				return -1;
			*consumed = len;
			return 0;
		}
		if (f < 0 || fc->have == sizeof(fc->in))
			return -1;
		ssize_t k = recv(fc->fd, fc->in + fc->have, sizeof(fc->in) - fc->have, 0);
		if (k <= 0)
			return -1;
		fc->have += (size_t)k;
	}
}

static void
xr__fix_consume(struct xr__fix_conn *fc, size_t len)
{
	memmove(fc->in, fc->in + len, fc->have - len);
	fc->have -= len;
}

/* A TestRequest gets its Heartbeat; @return 0 or -1. */
static int
xr__fix_admin(struct xr__fix_conn *fc)
{
	if (strcmp(fc->m.msg_type, "1") != 0)
		return 0;
	char buf[256];
	struct xr_fix_writer w;
	const char *id;
	uint32_t idl;
	xr__fix_head(fc, &w, buf, sizeof(buf), "0");
	if (xr_fix_get_str(&fc->m, 112, &id, &idl))
		xr_fix_put_str(&w, 112, id, idl);
	return xr__fix_send(fc, &w);
}

/* fix PORT WARMUP N: one NewOrderSingle at a time to its Filled. */
static int
xr__client_fix(int port, uint64_t warm, uint64_t n)
{
	static struct xr__fix_conn fc;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	uint64_t *lat = calloc(n, sizeof(*lat)), bad = 0, until = xr_perf_now_ns() + 10000000000u;
	int one = 1;

	fc.seq = 1;
	for (;;) {
		fc.fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fc.fd >= 0 && connect(fc.fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		if (fc.fd >= 0)
			close(fc.fd);
		if (errno != ECONNREFUSED || xr_perf_now_ns() >= until || lat == NULL) {
			fprintf(stderr, "xroute-perf serve-client fix: connect 127.0.0.1:%d: %s\n",
				port, strerror(errno));
			return 1;
		}
		poll(NULL, 0, 1);
	}
	setsockopt(fc.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char buf[512];
	struct xr_fix_writer w;
	size_t len;
	xr__fix_head(&fc, &w, buf, sizeof(buf), "A");
	xr_fix_put_u64(&w, 98, 0);
	xr_fix_put_u64(&w, 108, 30);
	xr_fix_put_char(&w, 141, 'Y');
	if (xr__fix_send(&fc, &w) != 0 || xr__fix_next(&fc, &len) != 0 ||
	    strcmp(fc.m.msg_type, "A") != 0) {
		fprintf(stderr, "xroute-perf serve-client fix: no Logon answer\n");
		return 1;
	}
	xr__fix_consume(&fc, len);
	for (uint64_t i = 0; i < warm + n; i++) {
		char id[24];
		int idl = snprintf(id, sizeof(id), "P%" PRIu64, i + 1);
		bool buy = (i & 1) == 0;
		uint64_t t0 = xr_perf_now_ns();
		xr__fix_head(&fc, &w, buf, sizeof(buf), "D");
		xr_fix_put_str(&w, 11, id, (size_t)idl);
		xr_fix_put_char(&w, 21, '1');
		xr_fix_put_str(&w, 55, "BTC-USD", 7);
		xr_fix_put_char(&w, 54, buy ? '1' : '2');
		xr_fix_put_time(&w, 60, xr__unix_ns());
		xr_fix_put_fixed(&w, 38, 1000000, 8); /* 0.01 BTC */
		xr_fix_put_char(&w, 40, '2');
		/* Through the touch (mid 50000, tick 0.5): marketable. */
		xr_fix_put_fixed(&w, 44, buy ? INT64_C(5001000000000) : INT64_C(4999000000000), 8);
		xr_fix_put_char(&w, 59, '3');
		if (xr__fix_send(&fc, &w) != 0) {
			fprintf(stderr, "xroute-perf serve-client fix: send: %s\n", strerror(errno));
			return 1;
		}
		for (;;) {
			if (xr__fix_next(&fc, &len) != 0) {
				fprintf(stderr, "xroute-perf serve-client fix: the session ended\n");
				return 1;
			}
			const char *cl;
			uint32_t cll;
			char st = 0;
			bool ours = strcmp(fc.m.msg_type, "8") == 0 &&
				    xr_fix_get_str(&fc.m, 11, &cl, &cll) && cll == (uint32_t)idl &&
				    memcmp(cl, id, cll) == 0 && xr_fix_get_char(&fc.m, 39, &st);
			uint64_t t1 = xr_perf_now_ns();
			int rc = xr__fix_admin(&fc);
			xr__fix_consume(&fc, len);
			if (rc != 0)
				return 1;
			if (ours && (st == '2' || st == '4' || st == '8' || st == 'C')) {
				bad += st != '2';
				if (i >= warm)
					lat[i - warm] = t1 - t0;
				break;
			}
		}
	}
	xr__fix_head(&fc, &w, buf, sizeof(buf), "5");
	xr__fix_send(&fc, &w);
	xr__print_pcts("fix", lat, n, bad);
	close(fc.fd);
	free(lat);
	return 0;
}

int
xr_perf_serve_client(int argc, char **argv)
{
	/* argv[0] = "serve-client", argv[1] = mode; the wait last */
	if (argc < 3)
		return 2;
	xr__wait_mode = (enum xr_perf_client_wait)atoi(argv[--argc]);
	if (argc == 7 && strcmp(argv[1], "rtt") == 0)
		return xr__client_rtt(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10),
				      strtoull(argv[6], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "tput") == 0)
		return xr__client_tput(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "fix") == 0)
		return xr__client_fix(atoi(argv[2]), strtoull(argv[3], NULL, 10),
				      strtoull(argv[4], NULL, 10));
	fprintf(stderr, "usage: xroute-perf serve-client rtt SOCK NAME USER WARMUP N WAIT | "
		"tput SOCK NAME USER N WAIT | fix PORT WARMUP N WAIT\n");
	return 2;
}

/* ---- the parent: children ---- */

struct xr__child {
	pid_t pid;
	FILE *out;  /* its stdout */
	int go_fd;  /* its stdin */
};

/* Start `xroute-perf serve-client ARGS...` (this binary again). */
static int
xr__spawn(struct xr__child *ch, char *const args[])
{
	int out[2], in[2];
	if (pipe2(out, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(in, O_CLOEXEC) != 0) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* A forked copy of a threaded process: exec at once. */
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	ch->pid = pid;
	ch->go_fd = in[1];
	ch->out = fdopen(out[0], "r");
	return ch->out != NULL ? 0 : -ENOMEM;
}

/* Read the child's line starting with @p tag into @p line; reap it.
 * @return 0, or -1 (it failed: its stderr says why). */
static int
xr__reap(struct xr__child *ch, const char *tag, char *line, size_t cap)
{
	int rc = -1, st;
	/* First its stdin: a client still waiting for its go sees EOF. */
	close(ch->go_fd);
	while (fgets(line, (int)cap, ch->out) != NULL) {
		if (strncmp(line, tag, strlen(tag)) == 0 && line[strlen(tag)] == ' ') {
			rc = 0;
			break;
		}
	}
	fclose(ch->out);
	if (waitpid(ch->pid, &st, 0) != ch->pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = -1;
	return rc;
}

/* ---- the parent: the engine ---- */

struct xr__engine_run {
	struct xr_config *cfg;
	_Atomic int stop;
	_Atomic int started;
	int rc;
	struct xr_summary sum;
	char err[512];
};

static void
xr__on_start(void *arg, uint64_t start_ns)
{
	struct xr__engine_run *er = arg;
	(void)start_ns;
	/* R_start: pairs with A_start in xr__engine_start. */
	atomic_store_explicit(&er->started, 1, memory_order_release);
}

static void *
xr__engine_thread(void *arg)
{
	struct xr__engine_run *er = arg;
	struct xr_engine_io io = {
		.serve = true,
		.stop_request = &er->stop,
		.drain_timeout_ms = 5000,
		.events_quiet = true,
		.on_start = xr__on_start,
		.on_start_arg = er,
	};
	er->rc = -1;
	struct xr_engine *e = xr_engine_create(er->cfg, &io, er->err, sizeof(er->err));
	if (e == NULL) {
		atomic_store_explicit(&er->started, -1, memory_order_release);
		return NULL;
	}
	if (xr_engine_run(e, er->err, sizeof(er->err)) == 0) {
		er->sum = *xr_engine_summary(e);
		er->rc = 0;
	}
	atomic_store_explicit(&er->started, -1, memory_order_release);
	xr_engine_destroy(e);
	return NULL;
}

static int
xr__write_config(const struct xr_perf_opts *o, const char *path, const char *sock, int port)
{
	static const char *const venues[5] = {"alpha", "bravo", "charlie", "delta", "echo"};
	static const char *const fees[5][2] = {
		{"1.00", "2.50"}, {"0.50", "3.00"}, {"-0.25", "3.50"}, {"0.00", "2.00"},
		{"0.75", "2.75"}};
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "; xroute-perf serve: docs/examples/serve.ini's venues and users\n"
		   "[engine]\nring_capacity = 4096\nburst = 32\nmax_inflight_orders = 65536\n"
		   "snapshot_interval_us = 100\nstop_policy = cancel\n\n"
		   "[threads]\nfront.stages = ingress, validate, route\nfront.cpu = %d\n"
		   "front.wait = backoff\nback.stages = execute.*, aggregate, output\n"
		   "back.cpu = %d\nback.wait = backoff\n\n"
		   "[serve]\nsocket = %s\nfix_listen = 127.0.0.1:%d\nmax_clients = 16\n"
		   "client_ring = 4096\nresult_ring = 8192\nresult_buffer = 65536\n"
		   "idempotency_window = 1048576\nsource_burst = 32\n\n",
		o->cpu_a, o->cpu_b, sock, port);
	for (int v = 0; v < 5; v++)
		fprintf(f, "[venue %s]\nconnector = sim\nfee_maker_bps = %s\nfee_taker_bps = %s\n"
			   "latency_us = 0\njitter_us = 0\nseed = %d\nmax_open_orders = 65536\n"
			   "session_ms = 3600000\n"
			   "book.BTC-USD = mid=50000 tick=0.5 levels=40 level_qty=1000\n"
			   "book.ETH-USD = mid=3000 tick=0.05 levels=40 level_qty=10000\n\n",
			venues[v], fees[v][0], fees[v][1], (v + 1) * 1101);
	fprintf(f, "[user_defaults]\nvenues = *\nsymbols = *\nrate_per_s = 2000000\n"
		   "burst = 200000\nmax_notional = 100000000\nmax_order_qty.BTC-USD = 100\n"
		   "max_order_qty.ETH-USD = 1000\nmax_position.BTC-USD = 1000000\n"
		   "max_position.ETH-USD = 10000000\n\n");
	for (int u = 1; u <= 5; u++)
		fprintf(f, "[user u%d]\n", u);
	static const char *const clients[] = {"rtt", "t1", "c1", "c2", "c3", "c4"};
	for (size_t c = 0; c < sizeof(clients) / sizeof(clients[0]); c++)
		fprintf(f, "\n[client %s]\nusers = *\n", clients[c]);
	fprintf(f, "\n[fix_client perf]\nsender_comp_id = PERF\nusers = *\nuser = u5\n");
	return fclose(f) != 0 ? -errno : 0;
}

/* A free loopback TCP port (bound, read, closed: free unless taken since). */
static int
xr__free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* ---- the parent: one round ---- */

struct xr__tcp_job {
	const struct xr_perf_opts *o;
	uint64_t n, *samples;
	double mean;
};

static void *
xr__tcp_thread(void *arg)
{
	struct xr__tcp_job *j = arg;
	xr_perf_pin_self(j->o->cpu_a);
	j->mean = xr_perf_tcp_rtt_once(j->o, j->n, j->samples);
	return NULL;
}

/* Figures of one round. */
struct xr__round {
	double floor_ns;
	double tcp[4];	  /* p50 p99 p999 mean */
	double client[4]; /* p50 p99 p999 mean */
	double fix[4];
	double tput[2];	  /* 1 and 4 clients, signals/s */
	double pipeline;  /* signals/s */
	uint64_t not_filled;
};

struct xr__sizes {
	uint64_t floor_n, tcp_n, rtt_warm, rtt_n, fix_warm, fix_n, tput_n, pipeline_n;
};

static int
xr__parse4(const char *line, double out[4], uint64_t *bad)
{
	uint64_t n, p50, p99, p999, b;
	double mean;
	if (sscanf(line, "%*s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %lf %" SCNu64, &n,
		   &p50, &p99, &p999, &mean, &b) != 6)
		return -1;
	out[0] = (double)p50;
	out[1] = (double)p99;
	out[2] = (double)p999;
	out[3] = mean;
	*bad += b;
	return 0;
}

/* Closed loop with @p k client processes of n / k signals each. */
static double
xr__tput(const char *sock, unsigned k, uint64_t n, char *wait, uint64_t *bad)
{
	static const char *const names[] = {"c1", "c2", "c3", "c4"};
	static const char *const users[] = {"u1", "u2", "u3", "u4"};
	struct xr__child ch[XR__SERVE_MAX_CLIENTS];
	char cnt[32], line[256];
	unsigned started = 0;
	int rc = 0;

	snprintf(cnt, sizeof(cnt), "%" PRIu64, n / k);
	for (unsigned i = 0; i < k; i++) {
		char s[512], nm[8], us[8];
		snprintf(s, sizeof(s), "%s", sock);
		snprintf(nm, sizeof(nm), "%s", k == 1 ? "t1" : names[i]);
		snprintf(us, sizeof(us), "%s", users[i]);
		char *args[] = {"xroute-perf", "serve-client", "tput", s, nm, us, cnt, wait, NULL};
		if (xr__spawn(&ch[i], args) != 0) {
			rc = -1;
			break;
		}
		started++;
	}
	/* Every client connected: then go, all at once. */
	for (unsigned i = 0; i < started && rc == 0; i++)
		if (fgets(line, sizeof(line), ch[i].out) == NULL || strncmp(line, "ready", 5) != 0)
			rc = -1;
	for (unsigned i = 0; i < started; i++)
		if (rc == 0 && write(ch[i].go_fd, "g", 1) != 1)
			rc = -1;
	uint64_t first = UINT64_MAX, last = 0, total = 0;
	for (unsigned i = 0; i < started; i++) {
		uint64_t cn, f, l, b;
		if (xr__reap(&ch[i], "tput", line, sizeof(line)) != 0 ||
		    sscanf(line, "tput %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &cn, &f, &l,
			   &b) != 4) {
			rc = -1;
			continue;
		}
		first = f < first ? f : first;
		last = l > last ? l : last;
		total += cn;
		*bad += b;
	}
	if (rc != 0 || last <= first)
		return -1;
	return (double)total * 1e9 / (double)(last - first);
}

static int
xr__round(const struct xr_perf_opts *o, const struct xr__sizes *sz, const char *dir,
	  struct xr__round *rd, uint64_t *tcp_samples)
{
	char cfg_path[512], sock[512], line[256], a1[32], a2[32], a3[32], wait[8];
	memset(rd, 0, sizeof(*rd));
	snprintf(wait, sizeof(wait), "%d", (int)o->client_wait);

	rd->floor_ns = xr_perf_floor_once(o, sz->floor_n);
	if (rd->floor_ns < 0) {
		fprintf(stderr, "xroute-perf serve: cannot start the floor's thread pair\n");
		return -1;
	}
	struct xr__tcp_job tj = {.o = o, .n = sz->tcp_n, .samples = tcp_samples};
	pthread_t tt;
	if (pthread_create(&tt, NULL, xr__tcp_thread, &tj) != 0)
		return -1;
	pthread_join(tt, NULL);
	if (tj.mean < 0) {
		fprintf(stderr, "xroute-perf serve: loopback TCP ping-pong failed\n");
		return -1;
	}
	qsort(tcp_samples, sz->tcp_n, sizeof(uint64_t), xr__cmp_u64);
	rd->tcp[0] = (double)xr__pct(tcp_samples, sz->tcp_n, 0.5);
	rd->tcp[1] = (double)xr__pct(tcp_samples, sz->tcp_n, 0.99);
	rd->tcp[2] = (double)xr__pct(tcp_samples, sz->tcp_n, 0.999);
	rd->tcp[3] = tj.mean;

	/* The engine. */
	int port = xr__free_port();
	snprintf(cfg_path, sizeof(cfg_path), "%s/serve.ini", dir);
	snprintf(sock, sizeof(sock), "%s/x.sock", dir);
	if (port < 0 || xr__write_config(o, cfg_path, sock, port) != 0) {
		fprintf(stderr, "xroute-perf serve: cannot write %s\n", cfg_path);
		return -1;
	}
	static struct xr__engine_run er;
	memset(&er, 0, sizeof(er));
	er.cfg = xr_config_load(cfg_path, xr_connector_schemas, er.err, sizeof(er.err));
	unlink(cfg_path);
	if (er.cfg == NULL) {
		fprintf(stderr, "xroute-perf serve: %s\n", er.err);
		return -1;
	}
	pthread_t et;
	if (pthread_create(&et, NULL, xr__engine_thread, &er) != 0) {
		xr_config_free(er.cfg);
		return -1;
	}
	int started;
	/* A_start: pairs with R_start in xr__on_start. */
	while ((started = atomic_load_explicit(&er.started, memory_order_acquire)) == 0)
		poll(NULL, 0, 1);
	int rc = started == 1 ? 0 : -1;

	/* 1. Ping-pong from one client process. */
	struct xr__child ch;
	snprintf(a1, sizeof(a1), "%" PRIu64, sz->rtt_warm);
	snprintf(a2, sizeof(a2), "%" PRIu64, sz->rtt_n);
	char *rtt_args[] = {"xroute-perf", "serve-client", "rtt", sock, "rtt", "u5", a1, a2, wait,
			    NULL};
	if (rc == 0 && (xr__spawn(&ch, rtt_args) != 0 ||
			xr__reap(&ch, "rtt", line, sizeof(line)) != 0 ||
			xr__parse4(line, rd->client, &rd->not_filled) != 0)) {
		fprintf(stderr, "xroute-perf serve: the ping-pong client failed\n");
		rc = -1;
	}
	/* 2. Closed loop, 1 then 4 client processes. */
	for (int i = 0; i < 2 && rc == 0; i++) {
		rd->tput[i] = xr__tput(sock, i == 0 ? 1 : 4, sz->tput_n, wait, &rd->not_filled);
		if (rd->tput[i] < 0) {
			fprintf(stderr, "xroute-perf serve: a closed-loop client failed\n");
			rc = -1;
		}
	}
	/* 3. FIX order entry, one order in flight. */
	snprintf(a1, sizeof(a1), "%d", port);
	snprintf(a2, sizeof(a2), "%" PRIu64, sz->fix_warm);
	snprintf(a3, sizeof(a3), "%" PRIu64, sz->fix_n);
	char *fix_args[] = {"xroute-perf", "serve-client", "fix", a1, a2, a3, wait, NULL};
	if (rc == 0 && (xr__spawn(&ch, fix_args) != 0 ||
			xr__reap(&ch, "fix", line, sizeof(line)) != 0 ||
			xr__parse4(line, rd->fix, &rd->not_filled) != 0)) {
		fprintf(stderr, "xroute-perf serve: the FIX initiator failed\n");
		rc = -1;
	}

	atomic_store_explicit(&er.stop, SIGTERM, memory_order_relaxed);
	pthread_join(et, NULL);
	xr_config_free(er.cfg);
	if (er.rc != 0) {
		fprintf(stderr, "xroute-perf serve: engine: %s\n", er.err);
		return -1;
	}
	if (rc != 0)
		return -1;
	if (er.sum.unaccounted || er.sum.duplicates || er.sum.overfills ||
	    er.sum.position_mismatches || rd->not_filled) {
		fprintf(stderr, "xroute-perf serve: broken invariant: unaccounted %" PRIu64
			" duplicates %" PRIu64 " overfills %" PRIu64 " positions %" PRIu64
			" not filled %" PRIu64 "\n", er.sum.unaccounted, er.sum.duplicates,
			er.sum.overfills, er.sum.position_mismatches, rd->not_filled);
		return -1;
	}

	/* The pipeline's own closed loop, the engine alone on its file. */
	rd->pipeline = xr_perf_pipeline_closed_once(o, sz->pipeline_n);
	return rd->pipeline < 0 ? -1 : 0;
}

/* ---- the report ---- */

/* Per-round ratios, the median over rounds of each. */
enum xr__ratio {
	XR__CLIENT_P50_FLOOR, XR__CLIENT_P99_FLOOR, XR__CLIENT_P999_FLOOR,
	XR__T1_PIPE, XR__T4_PIPE, XR__T4_T1,
	XR__FIX_P50_TCP, XR__FIX_P99_TCP, XR__FIX_P999_TCP,
};

static double
xr__med_ratio(const struct xr__round *rd, unsigned rounds, enum xr__ratio w)
{
	double v[64];
	for (unsigned r = 0; r < rounds; r++) {
		const struct xr__round *x = &rd[r];
		switch (w) {
		case XR__CLIENT_P50_FLOOR: v[r] = x->client[0] / x->floor_ns; break;
		case XR__CLIENT_P99_FLOOR: v[r] = x->client[1] / x->floor_ns; break;
		case XR__CLIENT_P999_FLOOR: v[r] = x->client[2] / x->floor_ns; break;
		case XR__T1_PIPE: v[r] = x->tput[0] / x->pipeline; break;
		case XR__T4_PIPE: v[r] = x->tput[1] / x->pipeline; break;
		case XR__T4_T1: v[r] = x->tput[1] / x->tput[0]; break;
		case XR__FIX_P50_TCP: v[r] = x->fix[0] / x->tcp[0]; break;
		case XR__FIX_P99_TCP: v[r] = x->fix[1] / x->tcp[1]; break;
		case XR__FIX_P999_TCP: v[r] = x->fix[2] / x->tcp[2]; break;
		}
	}
	return xr_perf_median(v, rounds);
}

static void
xr__stats(struct xr_perf_result *res, const struct xr__round *rd, unsigned rounds,
	  double (*get)(const struct xr__round *))
{
	double v[64];
	for (unsigned r = 0; r < rounds; r++)
		v[r] = get(&rd[r]);
	xr_perf_result_stats(res, v, rounds);
}

static double xr__g_floor(const struct xr__round *r) { return r->floor_ns; }
static double xr__g_tcp(const struct xr__round *r) { return r->tcp[0]; }
static double xr__g_client(const struct xr__round *r) { return r->client[0]; }
static double xr__g_fix(const struct xr__round *r) { return r->fix[0]; }
static double xr__g_t1(const struct xr__round *r) { return r->tput[0]; }
static double xr__g_t4(const struct xr__round *r) { return r->tput[1]; }
static double xr__g_pipe(const struct xr__round *r) { return r->pipeline; }

static void
xr__pcts(struct xr_perf_result *res, const struct xr__round *rd, unsigned rounds, int which)
{
	static const char *const k[4] = {"p50", "p99", "p999", "mean"};
	for (int i = 0; i < 4; i++) {
		double v[64];
		for (unsigned r = 0; r < rounds; r++)
			v[r] = which == 0 ? rd[r].tcp[i] : which == 1 ? rd[r].client[i] : rd[r].fix[i];
		xr_perf_result_extra(res, k[i], xr_perf_median(v, rounds));
	}
}

int
xr_perf_serve(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : 3;
	struct xr__sizes sz = o->quick
		? (struct xr__sizes){.floor_n = 100000, .tcp_n = 1000, .rtt_warm = 200,
				     .rtt_n = 2000, .fix_warm = 100, .fix_n = 1000,
				     .tput_n = 20000, .pipeline_n = 50000}
		: (struct xr__sizes){.floor_n = 1000000, .tcp_n = 10000, .rtt_warm = 2000,
				     .rtt_n = 20000, .fix_warm = 500, .fix_n = 10000,
				     .tput_n = 200000, .pipeline_n = 200000};
	struct xr__round rd[64];
	char dir[256];
	int rc = 1;

	uint64_t *tcp_samples = calloc(sz.tcp_n, sizeof(uint64_t));
	snprintf(dir, sizeof(dir), "%s/xroute-perf-serve-XXXXXX", o->tmp_dir);
	if (tcp_samples == NULL || mkdtemp(dir) == NULL) {
		fprintf(stderr, "xroute-perf serve: cannot make a directory in %s: %s\n",
			o->tmp_dir, strerror(errno));
		free(tcp_samples);
		return 1;
	}
	/* A child that dies leaves its pipe closed, not this process killed. */
	signal(SIGPIPE, SIG_IGN);
	for (unsigned r = 0; r < rounds; r++)
		if (xr__round(o, &sz, dir, &rd[r], tcp_samples) != 0)
			goto out;

	xr_perf_header("serve: xroute serve, 5 zero-latency sim venues, clients in other "
		       "processes");
	struct xr_perf_result res;
	xr_perf_result_init(&res, "serve.floor.rtt", "ns");
	xr__stats(&res, rd, rounds, xr__g_floor);
	xr_perf_result_extra(&res, "round_trips", (double)sz.floor_n);
	xr_perf_result_extra(&res, "cpu_a", o->cpu_a);
	xr_perf_result_extra(&res, "cpu_b", o->cpu_b);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.tcp.rtt", "ns");
	xr__stats(&res, rd, rounds, xr__g_tcp);
	xr__pcts(&res, rd, rounds, 0);
	xr_perf_result_extra(&res, "round_trips", (double)sz.tcp_n);
	xr_perf_result_extra(&res, "bytes", 200);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.client.rtt", "ns");
	xr__stats(&res, rd, rounds, xr__g_client);
	res.ratio_vs_floor = xr__med_ratio(rd, rounds, XR__CLIENT_P50_FLOOR);
	xr__pcts(&res, rd, rounds, 1);
	xr_perf_result_extra(&res, "p99_vs_floor", xr__med_ratio(rd, rounds, XR__CLIENT_P99_FLOOR));
	xr_perf_result_extra(&res, "p999_vs_floor", xr__med_ratio(rd, rounds, XR__CLIENT_P999_FLOOR));
	xr_perf_result_extra(&res, "round_trips", (double)sz.rtt_n);
	xr_perf_result_extra(&res, "client_wait", (double)o->client_wait);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.pipeline.closed", "signals/s");
	xr__stats(&res, rd, rounds, xr__g_pipe);
	xr_perf_result_extra(&res, "signals", (double)sz.pipeline_n);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.closed.1client", "signals/s");
	xr__stats(&res, rd, rounds, xr__g_t1);
	xr_perf_result_extra(&res, "vs_pipeline", xr__med_ratio(rd, rounds, XR__T1_PIPE));
	xr_perf_result_extra(&res, "signals", (double)sz.tput_n);
	xr_perf_result_extra(&res, "clients", 1);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.closed.4clients", "signals/s");
	xr__stats(&res, rd, rounds, xr__g_t4);
	xr_perf_result_extra(&res, "vs_1client", xr__med_ratio(rd, rounds, XR__T4_T1));
	xr_perf_result_extra(&res, "vs_pipeline", xr__med_ratio(rd, rounds, XR__T4_PIPE));
	xr_perf_result_extra(&res, "signals", (double)(sz.tput_n / 4 * 4));
	xr_perf_result_extra(&res, "clients", 4);
	xr_perf_result_extra(&res, "client_wait", (double)o->client_wait);
	if (xr_perf_emit(o, &res))
		goto out;

	xr_perf_result_init(&res, "serve.fix.rtt", "ns");
	xr__stats(&res, rd, rounds, xr__g_fix);
	xr__pcts(&res, rd, rounds, 2);
	xr_perf_result_extra(&res, "p50_vs_tcp", xr__med_ratio(rd, rounds, XR__FIX_P50_TCP));
	xr_perf_result_extra(&res, "p99_vs_tcp", xr__med_ratio(rd, rounds, XR__FIX_P99_TCP));
	xr_perf_result_extra(&res, "p999_vs_tcp", xr__med_ratio(rd, rounds, XR__FIX_P999_TCP));
	xr_perf_result_extra(&res, "round_trips", (double)sz.fix_n);
	if (xr_perf_emit(o, &res))
		goto out;
	rc = 0;
out:
	rmdir(dir);
	free(tcp_samples);
	return rc;
}
