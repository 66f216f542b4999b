/*
 * Unit tests of the FIX connector (connectors/fix/fix_conn.c) against a
 * venue the test plays itself over loopback TCP.
 *
 * DESIGN
 *   The venue is a listening socket on 127.0.0.1 (port 0) and one thread
 *   that accepts, answers the session's admin messages (Logon, Logout,
 *   TestRequest) and records every message the connector sends, in order.
 *   A thread is needed because xr_fix_conn_create() blocks while it logs
 *   on and destroy() while it logs out. Everything else comes from the
 *   test thread: it writes venue messages with the codec (SenderCompID VEN,
 *   TargetCompID XR, MsgSeqNum counting from 1 across connections) and
 *   drives the connector with poll(now = xr_now_ns()), the clock the
 *   connector reads too, in loops bounded by a deadline.
 *
 *   "Nothing happened" is shown with a probe: the venue sends a
 *   TestRequest and waits for the Heartbeat that answers it. The connector
 *   processes messages in order and returns the events of a read in the
 *   same poll() that flushes its answer, so once the Heartbeat is at the
 *   venue every earlier venue message has had all its events collected.
 *
 *   Money is fixed point with 8 places (1 unit = 100000000); fees are
 *   worked out by hand in the comments (taker 2.5 bps = 250 cbps, maker
 *   1 bps = 100 cbps: fee = notional * cbps / 10^6).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xr_clock.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_fix.h"
#include "xr_fix_config.h"
#include "xr_fix_conn.h"
#include "xr_fix_session.h"

/** Whole units to fixed point (qty and px share the 10^8 scale). */
#define U(x) ((int64_t)(x) * INT64_C(100000000))
#define MS(x) ((uint64_t)(x) * 1000000u)
/** Longest any single wait in a test may take. */
#define DEADLINE_NS MS(3000)

enum { SYM_BTC = 0, SYM_ETH = 1, SYM_UNLISTED = 2 };

/* ------------------------------------------------------------ the venue */

/** Most connector messages a test records. */
#define V_MAX_MSGS 512

struct v_msg {
	uint32_t conn;		/* connection it came on, 1.. */
	uint32_t len;
	char buf[XR_FIX_MAX_MSG];
};

struct venue {
	int lfd;		/* listening socket */
	int fd;			/* current connection, -1 if none */
	uint16_t port;
	uint8_t version;	/* enum xr_fix_version */
	pthread_t th;
	pthread_mutex_t mu;	/* everything below, and writes to fd */
	bool stop;		/* the thread must end */
	bool drop;		/* the thread must close the connection */
	uint64_t out_seq;	/* MsgSeqNum of the next venue message */
	uint32_t conns;		/* connections accepted */
	uint32_t n;		/* messages received */
	struct v_msg msg[V_MAX_MSGS];
	char rx[4 * XR_FIX_MAX_MSG]; /* the thread's only */
	uint32_t rx_len;
};

static struct venue g_v;

static void
v_lock(void)
{
	if (pthread_mutex_lock(&g_v.mu) != 0)
		abort();
}

static void
v_unlock(void)
{
	if (pthread_mutex_unlock(&g_v.mu) != 0)
		abort();
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Write venue message @p type with body @p fields ("tag=value|tag=value",
 * may be empty) on the current connection; lock held.
 * @return its MsgSeqNum, or 0 if there is no connection.
 */
static uint64_t
v_send_locked(const char *type, const char *fields)
{
	char buf[XR_FIX_MAX_MSG], body[2048];
	struct xr_fix_writer w;
	const char *out;
	size_t out_len;

	if (g_v.fd < 0)
		return 0;
	uint64_t seq = g_v.out_seq++;
	xr_fix_begin(&w, buf, sizeof(buf), (enum xr_fix_version)g_v.version, type);
	xr_fix_put_str(&w, 49, "VEN", 3);
	xr_fix_put_str(&w, 56, "XR", 2);
	xr_fix_put_u64(&w, 34, seq);
	xr_fix_put_time(&w, 52, wall_ns());
	snprintf(body, sizeof(body), "%s", fields);
	for (char *save = NULL, *f = strtok_r(body, "|", &save); f != NULL;
	     f = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(f, '=');
		if (eq == NULL)
			abort();
		*eq = '\0';
		xr_fix_put_str(&w, (uint32_t)strtoul(f, NULL, 10), eq + 1, strlen(eq + 1));
	}
	if (xr_fix_finish(&w, &out, &out_len) != 0)
		abort();
	for (size_t off = 0; off < out_len;) {
		ssize_t k = send(g_v.fd, out + off, out_len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* the connector went away: it will see a gap or not */
		off += (size_t)k;
	}
	return seq;
}

static uint64_t
v_vsend(uint64_t seq_no, const char *type, const char *fmt, va_list ap)
{
	char fields[2048];

	vsnprintf(fields, sizeof(fields), fmt, ap);
	v_lock();
	uint64_t next = g_v.out_seq;
	if (seq_no != 0)
		g_v.out_seq = seq_no;
	uint64_t seq = v_send_locked(type, fields);
	if (seq_no != 0)
		g_v.out_seq = next;
	v_unlock();
	cr_assert_neq(seq, 0, "the venue has no connection to send 35=%s on", type);
	return seq;
}

/** v_send_locked() with a printf format for the fields. */
__attribute__((format(printf, 2, 3))) static uint64_t
v_send(const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	uint64_t seq = v_vsend(0, type, fmt, ap);
	va_end(ap);
	return seq;
}

/** Send again with MsgSeqNum @p seq_no (a resend; out_seq is unchanged). */
__attribute__((format(printf, 3, 4))) static void
v_resend(uint64_t seq_no, const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	v_vsend(seq_no, type, fmt, ap);
	va_end(ap);
}

/** Write @p len raw bytes on the venue's connection (malformed input). */
static void
v_raw(const char *bytes, size_t len)
{
	v_lock();
	cr_assert_geq(g_v.fd, 0, "the venue has no connection");
	for (size_t off = 0; off < len;) {
		ssize_t k = send(g_v.fd, bytes + off, len - off, MSG_NOSIGNAL);
		cr_assert_gt(k, 0);
		off += (size_t)k;
	}
	v_unlock();
}

/** The MsgSeqNum of the next venue message. */
static uint64_t
v_next_seq(void)
{
	v_lock();
	uint64_t q = g_v.out_seq;
	v_unlock();
	return q;
}

/** Set the MsgSeqNum of the next venue message (a reset, or a lost one). */
static void
v_set_seq(uint64_t seq_no)
{
	v_lock();
	g_v.out_seq = seq_no;
	v_unlock();
}

/* Record and answer the whole messages in rx (venue thread). */
static void
v_input(void)
{
	uint32_t pos = 0;

	for (;;) {
		size_t len = 0;
		enum xr_fix_error why;
		struct xr_fix_msg m;
		int rc = xr_fix_frame(g_v.rx + pos, g_v.rx_len - pos, &len, &why);
		if (rc == 0)
			break;
		if (rc < 0 || xr_fix_parse(g_v.rx + pos, len, &m, &why) != 0) {
			pos += (uint32_t)len; /* the tests look for it missing */
			continue;
		}
		v_lock();
		if (g_v.n < V_MAX_MSGS) {
			struct v_msg *r = &g_v.msg[g_v.n++];
			r->conn = g_v.conns;
			r->len = (uint32_t)len;
			memcpy(r->buf, g_v.rx + pos, len);
		}
		if (strcmp(m.msg_type, "A") == 0) {
			v_send_locked("A", "98=0|108=30");
		} else if (strcmp(m.msg_type, "5") == 0) {
			v_send_locked("5", "");
		} else if (strcmp(m.msg_type, "1") == 0) {
			const char *id;
			uint32_t il;
			char f[64];
			if (xr_fix_get_str(&m, 112, &id, &il)) {
				snprintf(f, sizeof(f), "112=%.*s", (int)il, id);
				v_send_locked("0", f);
			}
		}
		v_unlock();
		pos += (uint32_t)len;
	}
	memmove(g_v.rx, g_v.rx + pos, g_v.rx_len - pos);
	g_v.rx_len -= pos;
}

static void *
v_main(void *arg)
{
	(void)arg;
	for (;;) {
		v_lock();
		if (g_v.drop && g_v.fd >= 0) {
			close(g_v.fd);
			g_v.fd = -1;
		}
		g_v.drop = false;
		bool stop = g_v.stop;
		int fd = g_v.fd;
		v_unlock();
		if (stop)
			return NULL;
		struct pollfd p = { .fd = fd >= 0 ? fd : g_v.lfd, .events = POLLIN };
		if (poll(&p, 1, 2) <= 0)
			continue;
		if (fd < 0) {
			int c = accept(g_v.lfd, NULL, NULL);
			if (c >= 0) {
				v_lock();
				g_v.fd = c;
				g_v.conns++;
				g_v.rx_len = 0;
				v_unlock();
			}
			continue;
		}
		ssize_t k = recv(fd, g_v.rx + g_v.rx_len, sizeof(g_v.rx) - g_v.rx_len, 0);
		if (k <= 0) {
			v_lock();
			close(fd);
			g_v.fd = -1;
			v_unlock();
			continue;
		}
		g_v.rx_len += (uint32_t)k;
		v_input();
	}
}

/** Start the venue thread on a fresh listening port, speaking @p version. */
static void
v_start(uint8_t version)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1;

	memset(&g_v, 0, sizeof(g_v));
	g_v.fd = -1;
	g_v.version = version;
	g_v.out_seq = 1;
	g_v.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(g_v.lfd, 0);
	setsockopt(g_v.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(g_v.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(g_v.lfd, 8), 0);
	cr_assert_eq(getsockname(g_v.lfd, (struct sockaddr *)&a, &al), 0);
	g_v.port = ntohs(a.sin_port);
	cr_assert_eq(pthread_mutex_init(&g_v.mu, NULL), 0);
	cr_assert_eq(pthread_create(&g_v.th, NULL, v_main, NULL), 0);
}

static void
v_stop(void)
{
	v_lock();
	g_v.stop = true;
	v_unlock();
	pthread_join(g_v.th, NULL);
	if (g_v.fd >= 0)
		close(g_v.fd);
	close(g_v.lfd);
}

/** Messages the venue received so far. */
static uint32_t
v_count(void)
{
	v_lock();
	uint32_t n = g_v.n;
	v_unlock();
	return n;
}

/** Parse received message @p i (< v_count(): it no longer changes). */
static void
v_parse(uint32_t i, struct xr_fix_msg *m)
{
	enum xr_fix_error why;

	cr_assert_eq(xr_fix_parse(g_v.msg[i].buf, g_v.msg[i].len, m, &why), 0);
}

/** Field @p tag of received message @p i as a string ("" if absent). */
static const char *
v_field(uint32_t i, uint32_t tag)
{
	static char out[8][128];
	static unsigned k;
	struct xr_fix_msg m;
	const char *s;
	uint32_t len;
	char *o = out[k++ % 8];

	v_parse(i, &m);
	if (!xr_fix_get_str(&m, tag, &s, &len))
		return "";
	snprintf(o, 128, "%.*s", (int)len, s);
	return o;
}

static bool
v_has(uint32_t i, uint32_t tag)
{
	struct xr_fix_msg m;

	v_parse(i, &m);
	return xr_fix_find(&m, tag) >= 0;
}

static uint64_t
v_u64(uint32_t i, uint32_t tag)
{
	return strtoull(v_field(i, tag), NULL, 10);
}

/** Index of the first received message of @p type at or after @p from, or -1. */
static int
v_find(uint32_t from, const char *type)
{
	uint32_t n = v_count();

	for (uint32_t i = from; i < n; i++) {
		struct xr_fix_msg m;
		v_parse(i, &m);
		if (strcmp(m.msg_type, type) == 0)
			return (int)i;
	}
	return -1;
}

/** Received messages of @p type at or after @p from. */
static unsigned
v_count_type(uint32_t from, const char *type)
{
	unsigned c = 0;

	for (int i = v_find(from, type); i >= 0; i = v_find((uint32_t)i + 1, type))
		c++;
	return c;
}

/** Ask the venue thread to close the connection and wait until it did. */
static void
v_drop(void)
{
	uint64_t until = xr_now_ns() + DEADLINE_NS;

	v_lock();
	g_v.drop = true;
	v_unlock();
	for (;;) {
		v_lock();
		bool done = !g_v.drop;
		v_unlock();
		if (done)
			return;
		cr_assert_lt(xr_now_ns(), until, "venue thread did not drop the connection");
		sched_yield();
	}
}

/* ------------------------------------------------------------ the connector */

static struct xr_venue_book_cfg g_books[2];
static struct xr_venue_symbol g_vsym[1];
static struct xr_venue_cfg g_venue[2];
static struct xr_fix_venue_cfg g_fix[2]; /* g_venue[i].conn: its FIX keys */
static char g_symbols[3][XR_NAME_MAX + 1] = { "BTC-USD", "ETH-USD", "SOL-USD" };
static struct xr_config g_cfg;
static struct xr_connector g_c;
static bool g_live;		/* g_c is created and not destroyed */
static char g_err[256];

/** Events other than market data, in arrival order; g_used consumed. */
static struct xr_conn_event g_ev[256];
static uint32_t g_nev, g_used;
/* Added to the clock pump() hands the connector: a test moves the
 * connector's timers forward without waiting for them. */
static uint64_t g_skew_ns;

/* The fixture: venue "ven" (connector fix) at 127.0.0.1:@p port, FIX.4.4,
 * CompIDs XR/VEN, HeartBtInt 30 s (no heartbeats within a test), sequence
 * numbers in memory, limit orders only, DAY/GTC/IOC (not FOK), status
 * requests on, no cancel_after, reconnect 20..200 ms, Logon within 2 s, 8
 * order slots. Books: BTC-USD (as itself) and ETH-USD (at the venue
 * "ETHUSDT"), one level each; SOL-USD is not listed. */
static void
fx_init(uint16_t port)
{
	memset(&g_cfg, 0, sizeof(g_cfg));
	memset(g_venue, 0, sizeof(g_venue));
	memset(g_fix, 0, sizeof(g_fix));
	g_books[0] = (struct xr_venue_book_cfg){
		.symbol = SYM_BTC, .mid_px = U(50000), .tick_px = U(1), .levels = 1,
		.level_qty = U(1),
	};
	g_books[1] = (struct xr_venue_book_cfg){
		.symbol = SYM_ETH, .mid_px = U(3000), .tick_px = U(1), .levels = 1,
		.level_qty = U(1),
	};
	g_vsym[0] = (struct xr_venue_symbol){ .symbol = SYM_ETH, .key = "ETH-USD",
					      .name = "ETHUSDT" };
	struct xr_venue_cfg *v = &g_venue[0];
	strcpy(v->name, "ven");
	strcpy(v->connector, "fix");
	v->fee_maker_cbps = 100;
	v->fee_taker_cbps = 250;
	v->max_open_orders = 8;
	v->n_books = 2;
	v->books = g_books;
	v->schema = &xr_fix_config_schema;
	v->conn = &g_fix[0];
	strcpy(g_fix[0].host, "127.0.0.1");
	g_fix[0].port = port;
	strcpy(g_fix[0].sender_comp_id, "XR");
	strcpy(g_fix[0].target_comp_id, "VEN");
	g_fix[0].begin_string = XR_FIX_44;
	g_fix[0].heartbeat_s = 30;
	g_fix[0].seq_store[0] = '\0';
	g_fix[0].market_orders = 0;
	g_fix[0].status_requests = 1;
	g_fix[0].tif_mask = (1u << XR_TIF_DAY) | (1u << XR_TIF_GTC) | (1u << XR_TIF_IOC);
	g_fix[0].cancel_after_ms = 0;
	g_fix[0].reconnect_min_ms = 20;
	g_fix[0].reconnect_max_ms = 200;
	g_fix[0].logon_timeout_ms = 2000;
	g_fix[0].n_symbols = 1;
	g_fix[0].symbols = g_vsym;
	g_cfg.n_venues = 1;
	g_cfg.venues = g_venue;
	g_cfg.n_symbols = 3;
	g_cfg.symbols = g_symbols;
	g_nev = g_used = 0;
	g_skew_ns = 0;
}

static int
fx_create(void)
{
	int rc = xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err));
	g_live = rc == 0;
	return rc;
}

/* Poll once; keep the order events, count the market data. */
static uint32_t
pump(void)
{
	struct xr_conn_event ev[64];
	uint32_t n = g_c.ops->poll(g_c.ctx, xr_now_ns() + g_skew_ns, ev, 64), md = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].kind == XR_EV_MARKET_DATA) {
			md++;
			continue;
		}
		cr_assert_lt(g_nev, 256);
		g_ev[g_nev++] = ev[i];
	}
	return md;
}

/* A pause between polls of a waiting loop (not a synchronisation: every
 * loop polls for its condition until a deadline). */
static void
breathe(void)
{
	struct timespec ts = { 0, 200000 };

	nanosleep(&ts, NULL);
}

/** Start a venue speaking @p version, the fixture, create, take the books. */
static void
fx_start_v(uint8_t version)
{
	v_start(version);
	fx_init(g_v.port);
	g_fix[0].begin_string = version;
	cr_assert_eq(fx_create(), 0, "create: %s", g_err);
	/* The static books: 2 books x 2 sides x 1 level, all in the first poll. */
	cr_assert_eq(pump(), 4);
}

static void
fx_start(void)
{
	fx_start_v(XR_FIX_44);
}

static void
fx_fini(void)
{
	if (g_live)
		xr_connector_destroy(&g_c);
	g_live = false;
	if (g_v.lfd > 0)
		v_stop();
}

static struct xr_conn_health
health(void)
{
	struct xr_conn_health h;

	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	return h;
}

/** Poll until the venue received a message of @p type at or after
 * @p from, at most @p wait_ns. */
static uint32_t
await_msg_within(uint32_t from, const char *type, uint64_t wait_ns)
{
	uint64_t until = xr_now_ns() + wait_ns;
	int i;

	while ((i = v_find(from, type)) < 0) {
		cr_assert_lt(xr_now_ns(), until, "no 35=%s from the connector within %llu ms",
			     type, (unsigned long long)(wait_ns / 1000000));
		pump();
		breathe();
	}
	return (uint32_t)i;
}

static uint32_t
await_msg(uint32_t from, const char *type)
{
	return await_msg_within(from, type, DEADLINE_NS);
}

/** Poll until health().connected is @p up. */
static void
await_connected(int up)
{
	uint64_t until = xr_now_ns() + DEADLINE_NS;
	struct xr_conn_health h;

	while (g_c.ops->health(g_c.ctx, &h), h.connected != up) {
		cr_assert_lt(xr_now_ns(), until, "session never went %s", up ? "up" : "down");
		pump();
		breathe();
	}
}

/** Poll until the next order event arrives; consume and return it. */
static struct xr_conn_event
next_ev(void)
{
	uint64_t until = xr_now_ns() + DEADLINE_NS;

	while (g_used == g_nev) {
		cr_assert_lt(xr_now_ns(), until, "no event from the connector");
		pump();
		breathe();
	}
	return g_ev[g_used++];
}

/** Probe: every venue message sent so far has been processed. */
static void
sync_venue(void)
{
	static unsigned probe;
	char id[16];

	snprintf(id, sizeof(id), "P%u", ++probe);
	uint32_t from = v_count();
	v_send("1", "112=%s", id);
	for (uint64_t until = xr_now_ns() + DEADLINE_NS;;) {
		for (int i = v_find(from, "0"); i >= 0; i = v_find((uint32_t)i + 1, "0"))
			if (strcmp(v_field((uint32_t)i, 112), id) == 0)
				return;
		cr_assert_lt(xr_now_ns(), until, "TestRequest %s unanswered", id);
		pump();
		breathe();
	}
}

/** No event came from what the venue sent so far. */
static void
expect_quiet(void)
{
	sync_venue();
	cr_assert_eq(g_nev, g_used, "unexpected event kind %u reason %u for order %llu",
		     g_ev[g_used].kind, g_ev[g_used].reason,
		     (unsigned long long)g_ev[g_used].cl_ord_id);
}

static struct xr_conn_order
order(uint64_t id, uint16_t sym, uint8_t side, uint8_t type, uint8_t tif, int64_t qty,
      int64_t px)
{
	return (struct xr_conn_order){
		.cl_ord_id = id, .token = (uint32_t)(id * 3 + 1), .symbol = sym, .side = side,
		.ord_type = type, .tif = tif, .qty = qty, .limit_px = px,
	};
}

static int
submit(uint64_t id, uint16_t sym, uint8_t side, uint8_t type, uint8_t tif, int64_t qty,
       int64_t px)
{
	struct xr_conn_order o = order(id, sym, side, type, tif, qty, px);
	return g_c.ops->submit(g_c.ctx, &o, xr_now_ns());
}

/** An order the venue received: its wire ClOrdID, MsgSeqNum, log index. */
struct sent {
	char wire[48];
	uint64_t seq;
	uint32_t idx;
};

/** Submit a BTC buy limit order and wait for its NewOrderSingle. */
static struct sent
send_order(uint64_t id, uint8_t tif, int64_t qty, int64_t px)
{
	uint32_t from = v_count();
	struct sent s;

	int rc = submit(id, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, tif, qty, px);
	cr_assert_eq(rc, 0, "submit %llu: %d", (unsigned long long)id, rc);
	s.idx = await_msg(from, "D");
	snprintf(s.wire, sizeof(s.wire), "%s", v_field(s.idx, 11));
	s.seq = v_u64(s.idx, 34);
	return s;
}

static void
check_order_ev(const struct xr_conn_event *e, uint8_t kind, uint64_t id)
{
	cr_assert_eq(e->kind, kind, "event kind %u, expected %u", e->kind, kind);
	cr_assert_eq(e->cl_ord_id, id);
	cr_assert_eq(e->token, (uint32_t)(id * 3 + 1));
	cr_assert_eq(e->symbol, SYM_BTC);
}

/* ------------------------------------------------------------ 1. logon */

Test(fix_conn, create_logs_on_and_reports_connected, .fini = fx_fini)
{
	fx_start();
	cr_assert_eq(v_count(), 1, "only the Logon before any order");
	struct xr_fix_msg m;
	v_parse(0, &m);
	cr_assert_str_eq(m.msg_type, "A");
	cr_assert_eq(m.version, XR_FIX_44);
	cr_assert_str_eq(v_field(0, 49), "XR");
	cr_assert_str_eq(v_field(0, 56), "VEN");
	cr_assert_str_eq(v_field(0, 34), "1");
	cr_assert_str_eq(v_field(0, 98), "0");
	cr_assert_str_eq(v_field(0, 108), "30");
	cr_assert_not(v_has(0, 141), "no ResetSeqNumFlag unless reset_on_logon");
	struct xr_conn_health h = health();
	cr_assert_eq(h.connected, 1);
	cr_assert_eq(h.down_since_ns, 0);
	cr_assert_eq(h.open_orders, 0);
	cr_assert_eq(h.max_open_orders, 8);
}

Test(fix_conn, venue_not_listening_starts_down)
{
	/* A bound socket that does not listen: connects are refused. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	fx_init(ntohs(a.sin_port));

	uint64_t t0 = xr_now_ns();
	cr_assert_eq(fx_create(), 0, "a refused connection is not an error: %s", g_err);
	cr_assert_lt(xr_now_ns() - t0, MS(1000), "refused at once, not after logon_timeout");
	pump();
	struct xr_conn_health h = health();
	cr_assert_eq(h.connected, 0);
	cr_assert_eq(h.open_orders, 0);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), U(100)),
		     -ENOTCONN);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, xr_now_ns()), -ENOTCONN);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, xr_now_ns()), -ENOENT, "never live");
	cr_assert_eq(health().open_orders, 0, "a refused order takes no slot");
	t0 = xr_now_ns();
	xr_connector_destroy(&g_c);
	cr_assert_lt(xr_now_ns() - t0, MS(500), "destroy does not wait for a Logout");
	close(s);
}

/* ------------------------------------------------------------ 2. submit */

Test(fix_conn, submit_writes_new_order_single, .fini = fx_fini)
{
	fx_start();
	/* BTC buy 0.5 @ 50000.25 DAY. */
	struct sent a = send_order(42, XR_TIF_DAY, U(1) / 2, U(50000) + U(1) / 4);
	const char *w = a.wire;
	size_t wl = strlen(w);
	cr_assert_gt(wl, 2);
	cr_assert_str_eq(w + wl - 2, "42", "ClOrdID %s ends with the engine's", w);
	size_t pl = wl - 2;
	cr_assert_gt(pl, 0, "a run prefix before it: %s", w);
	cr_assert_eq(w[pl - 1], '-', "prefix ends with '-': %s", w);
	cr_assert_eq(a.seq, 2, "Logon was 1");
	cr_assert_str_eq(v_field(a.idx, 21), "1");
	cr_assert_str_eq(v_field(a.idx, 55), "BTC-USD");
	cr_assert_str_eq(v_field(a.idx, 54), "1");
	cr_assert_str_eq(v_field(a.idx, 38), "0.5");
	cr_assert_str_eq(v_field(a.idx, 40), "2");
	cr_assert_str_eq(v_field(a.idx, 44), "50000.25");
	cr_assert_str_eq(v_field(a.idx, 59), "0");
	cr_assert(v_has(a.idx, 60), "TransactTime");

	/* ETH sell 2 @ 3000 GTC: the venue's symbol name, the same prefix. */
	uint32_t from = v_count();
	cr_assert_eq(submit(43, SYM_ETH, XR_SIDE_SELL, XR_ORD_LIMIT, XR_TIF_GTC, U(2), U(3000)),
		     0);
	uint32_t i = await_msg(from, "D");
	char want[48];
	snprintf(want, sizeof(want), "%.*s43", (int)pl, w);
	cr_assert_str_eq(v_field(i, 11), want);
	cr_assert_str_eq(v_field(i, 55), "ETHUSDT");
	cr_assert_str_eq(v_field(i, 54), "2");
	cr_assert_str_eq(v_field(i, 38), "2");
	cr_assert_str_eq(v_field(i, 44), "3000");
	cr_assert_str_eq(v_field(i, 59), "1");
	cr_assert_eq(v_u64(i, 34), 3);
	cr_assert_eq(health().open_orders, 2);

	/* Refusals: nothing is sent, no slot is taken. */
	from = v_count();
	cr_assert_eq(submit(50, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0),
		     -EOPNOTSUPP, "market_orders = false");
	cr_assert_eq(submit(51, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_FOK, U(1), U(1)),
		     -EOPNOTSUPP, "FOK not in time_in_force");
	cr_assert_eq(submit(52, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, 0, U(1)),
		     -EINVAL, "qty 0");
	cr_assert_eq(submit(53, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, -U(1), U(1)),
		     -EINVAL, "qty < 0");
	cr_assert_eq(submit(54, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), 0),
		     -EINVAL, "limit without price");
	cr_assert_eq(submit(55, SYM_UNLISTED, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), U(1)),
		     -EINVAL, "symbol not listed at the venue");
	cr_assert_eq(submit(42, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), U(1)),
		     -EINVAL, "ClOrdID already live");
	sync_venue();
	cr_assert_eq(v_count_type(from, "D"), 0, "a refused order was sent");
	cr_assert_eq(health().open_orders, 2);
	/* The next order's MsgSeqNum follows 43's with no hole (the refusals
	 * took none; the probe's Heartbeat took one). */
	struct sent b = send_order(56, XR_TIF_IOC, U(1), U(1));
	cr_assert_eq(b.seq, 5);
	cr_assert_str_eq(v_field(b.idx, 59), "3");
}

Test(fix_conn, market_order_when_the_venue_takes_them, .fini = fx_fini)
{
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_fix[0].market_orders = 1;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	uint32_t from = v_count();
	cr_assert_eq(submit(7, SYM_BTC, XR_SIDE_SELL, XR_ORD_MARKET, XR_TIF_IOC, U(3), 0), 0);
	uint32_t i = await_msg(from, "D");
	cr_assert_str_eq(v_field(i, 40), "1");
	cr_assert_not(v_has(i, 44), "no Price on a market order");
	cr_assert_str_eq(v_field(i, 54), "2");
	cr_assert_str_eq(v_field(i, 59), "3");
}

Test(fix_conn, full_order_table_is_busy, .fini = fx_fini)
{
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_venue[0].max_open_orders = 2;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	send_order(1, XR_TIF_DAY, U(1), U(100));
	struct sent b = send_order(2, XR_TIF_DAY, U(1), U(100));
	uint32_t from = v_count();
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), U(100)),
		     -EBUSY);
	/* One ends: its slot takes the next order. */
	v_send("8", "11=%s|39=4|150=4|14=0|151=0", b.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 2);
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(v_count_type(from, "D"), 0);
	send_order(3, XR_TIF_DAY, U(1), U(100));
	cr_assert_eq(health().open_orders, 2);
}

/* ------------------------------------------------------------ 3. reports */

Test(fix_conn, execution_reports_fill_from_cum_qty, .fini = fx_fini)
{
	fx_start();
	/* Buy 3 @ 100. */
	struct sent a = send_order(1, XR_TIF_DAY, U(3), U(100));

	v_send("8", "37=O1|17=E1|150=0|39=0|11=%s|55=BTC-USD|54=1|38=3|14=0|151=3|6=0", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(e.last_qty, 0);
	cr_assert_eq(e.last_notional, 0);
	cr_assert_eq(e.last_fees, 0);
	cr_assert_eq(e.cum_qty, 0);
	cr_assert_eq(e.leaves_qty, U(3));
	cr_assert_eq(e.reason, XR_R_NONE);

	/* 1 @ 100: notional 100, taker fee 100 * 250 / 10^6 = 0.025. */
	v_send("8", "17=E2|150=1|39=1|11=%s|14=1|151=2|32=1|31=100|6=100", a.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_PARTIALLY_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.last_notional, U(100));
	cr_assert_eq(e.last_fees, 2500000);
	cr_assert_eq(e.cum_qty, U(1));
	cr_assert_eq(e.leaves_qty, U(2));

	/* The same report resent (PossDupFlag, in sequence), then again
	 * without the flag: CumQty did not move, no second fill. */
	v_send("8", "43=Y|17=E2|150=1|39=1|11=%s|14=1|151=2|32=1|31=100|6=100", a.wire);
	v_send("8", "17=E2b|150=1|39=1|11=%s|14=1|151=2|32=1|31=100|6=100", a.wire);
	expect_quiet();

	/* CumQty 2, LastQty 0.5 does not match the delta of 1: the fill is
	 * priced from AvgPx: 2 * 100.25 - 100 = 100.5 (LastPx would give 101).
	 * Maker (851=1): 100.5 * 100 / 10^6 = 0.01005. */
	v_send("8", "17=E3|150=1|39=1|11=%s|14=2|151=1|32=0.5|31=101|6=100.25|851=1", a.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.last_notional, U(100) + U(1) / 2);
	cr_assert_eq(e.last_fees, 1005000);
	cr_assert_eq(e.cum_qty, U(2));

	/* Filled: 1 @ 99, terminal, the slot is free. */
	v_send("8", "17=E4|150=2|39=2|11=%s|14=3|151=0|32=1|31=99|6=99.8333", a.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.last_notional, U(99));
	cr_assert_eq(e.last_fees, 2475000, "taker: 99 * 250 / 10^6");
	cr_assert_eq(e.cum_qty, U(3));
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(health().open_orders, 0);

	/* After the end: its reports, resent or not, and a foreign ClOrdID. */
	v_send("8", "43=Y|17=E4|150=2|39=2|11=%s|14=3|151=0|32=1|31=99|6=99.8333", a.wire);
	v_send("8", "17=E5|150=2|39=2|11=%s|14=3|151=0", a.wire);
	v_send("8", "17=X1|150=0|39=0|11=SOMEONE-ELSE-1|14=0|151=1");
	v_send("8", "17=X2|150=0|39=0|11=%.*s999|14=0|151=1", (int)(strlen(a.wire) - 1), a.wire);
	expect_quiet();
	struct xr_fix_conn_stats st;
	cr_assert_eq(xr_fix_conn_stats(&g_c, &st, NULL), 0);
	/* Another prefix, and this run's prefix with a ClOrdID never sent. */
	cr_assert_eq(st.foreign_reports, 2);
	cr_assert_eq(st.stale_reports, 2, "E4 resent and E5: the order had ended");
	cr_assert_eq(st.dup_reports, 2, "E2 resent and E2b: nothing new");
	cr_assert_eq(st.reports, 4);
	struct xr_conn_health h = health();
	cr_assert_eq(h.foreign_reports, 2);
	cr_assert_eq(h.stale_reports, 2);
}

Test(fix_conn, fill_without_last_px_uses_avg_px, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(5, XR_TIF_DAY, U(2), U(10));
	/* No LastQty/LastPx: 2 at AvgPx 9.5 = 19; taker 19 * 250 / 10^6. */
	v_send("8", "150=2|39=2|11=%s|14=2|151=0|6=9.5", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 5);
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(2));
	cr_assert_eq(e.last_notional, U(19));
	cr_assert_eq(e.last_fees, 475000);
}

Test(fix_conn, report_missing_ord_status_or_cum_qty_is_rejected, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));

	uint32_t from = v_count();
	uint64_t s1 = v_send("8", "17=E1|150=0|11=%s|14=0|151=1", a.wire);
	uint32_t r = await_msg(from, "3");
	cr_assert_eq(v_u64(r, 45), s1);
	cr_assert_str_eq(v_field(r, 371), "39");
	cr_assert_str_eq(v_field(r, 372), "8");
	cr_assert_str_eq(v_field(r, 373), "1", "required tag missing");

	from = v_count();
	uint64_t s2 = v_send("8", "17=E2|150=0|39=0|11=%s|151=1", a.wire);
	r = await_msg(from, "3");
	cr_assert_eq(v_u64(r, 45), s2);
	cr_assert_str_eq(v_field(r, 371), "14");
	cr_assert_str_eq(v_field(r, 373), "1");

	/* CumQty past the order's quantity: a bad value, not a fill. */
	from = v_count();
	uint64_t s3 = v_send("8", "17=E3|150=2|39=2|11=%s|14=2|151=0|32=2|31=100", a.wire);
	r = await_msg(from, "3");
	cr_assert_eq(v_u64(r, 45), s3);
	cr_assert_str_eq(v_field(r, 371), "14");
	cr_assert_str_eq(v_field(r, 373), "5", "value incorrect");
	expect_quiet();
	cr_assert_eq(health().open_orders, 1, "the order is still live");
}

/* ------------------------------------------------------------ 4. rejected, unknown */

Test(fix_conn, rejected_and_unknown_order, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	/* Rejected, even with OrdRejReason 5, when we asked nothing. */
	v_send("8", "150=8|39=8|11=%s|14=0|151=0|103=5|58=unknown symbol", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_REJECTED);
	cr_assert_eq(e.reason, XR_R_VENUE_REJECT);
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(health().open_orders, 0);

	/* A status query answered "unknown order". */
	struct sent b = send_order(2, XR_TIF_DAY, U(1), U(100));
	uint32_t from = v_count();
	cr_assert_eq(g_c.ops->status(g_c.ctx, 2, 7, xr_now_ns()), 0);
	uint32_t h = await_msg(from, "H");
	cr_assert_str_eq(v_field(h, 11), b.wire);
	cr_assert_str_eq(v_field(h, 55), "BTC-USD");
	cr_assert_str_eq(v_field(h, 54), "1");
	v_send("8", "150=I|39=8|11=%s|14=0|151=0|103=5", b.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_ORDER_UNKNOWN, 2);
	cr_assert_eq(health().open_orders, 0);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 2, 7, xr_now_ns()), -ENOENT);
}

Test(fix_conn, status_answer_reports_what_was_not_reported, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(3, XR_TIF_DAY, U(2), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=2", a.wire);
	struct xr_conn_event e = next_ev();
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 3, 10, xr_now_ns()), 0);
	/* The answer repeats New with nothing new: still the query's answer. */
	v_send("8", "150=I|39=0|11=%s|14=0|151=2", a.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 3);
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(e.last_qty, 0);
}

/* ------------------------------------------------------------ 5. message rejects */

Test(fix_conn, session_and_business_rejects_fail_the_order, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	struct sent b = send_order(2, XR_TIF_DAY, U(1), U(100));
	struct sent c = send_order(3, XR_TIF_DAY, U(1), U(100));

	v_send("3", "45=%llu|372=D|373=5|371=44|58=bad price", (unsigned long long)a.seq);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_ORDER_FAILED, 1);
	cr_assert_eq(e.reason, XR_R_MSG_REJECT);

	/* BusinessRejectRefID alone names the order. */
	v_send("j", "372=D|379=%s|380=2|58=symbol halted", b.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_ORDER_FAILED, 2);
	cr_assert_eq(e.reason, XR_R_MSG_REJECT);

	/* BusinessRejectRefID absent: RefSeqNum names the order. */
	v_send("j", "45=%llu|372=D|380=0", (unsigned long long)c.seq);
	e = next_ev();
	check_order_ev(&e, XR_EV_ORDER_FAILED, 3);
	cr_assert_eq(e.reason, XR_R_MSG_REJECT);
	cr_assert_eq(health().open_orders, 0);

	/* A Reject of a message that is no order of ours: nothing. */
	v_send("3", "45=1|372=A|373=0");
	expect_quiet();
}

Test(fix_conn, reject_of_an_acknowledged_order_is_ignored, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	/* Live at the venue: a late Reject of its NewOrderSingle proves nothing. */
	v_send("3", "45=%llu|372=D|373=5", (unsigned long long)a.seq);
	expect_quiet();
	cr_assert_eq(health().open_orders, 1);
}

Test(fix_conn, business_reject_of_status_request_turns_status_off, .fini = fx_fini)
{
	fx_start();
	send_order(1, XR_TIF_DAY, U(1), U(100));
	uint32_t from = v_count();
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, xr_now_ns()), 0);
	uint32_t h = await_msg(from, "H");
	v_send("j", "45=%llu|372=H|380=3|58=Unsupported Message Type",
	       (unsigned long long)v_u64(h, 34));
	expect_quiet();
	from = v_count();
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, xr_now_ns()), -EOPNOTSUPP);
	sync_venue();
	cr_assert_eq(v_count_type(from, "H"), 0);
	cr_assert_eq(health().open_orders, 1, "the order itself is not affected");
}

/* ------------------------------------------------------------ 6. cancel */

Test(fix_conn, cancel_sends_order_cancel_request, .fini = fx_fini)
{
	fx_start();
	/* Buy 2 @ 100, partly filled (1 @ 100) before the cancel. */
	struct sent a = send_order(1, XR_TIF_DAY, U(2), U(100));
	v_send("8", "150=F|39=1|11=%s|14=1|151=1|32=1|31=100", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_PARTIALLY_FILLED);

	uint32_t from = v_count();
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, xr_now_ns()), 0);
	uint32_t f = await_msg(from, "F");
	char want[64];
	snprintf(want, sizeof(want), "%s-C1", a.wire);
	cr_assert_str_eq(v_field(f, 41), a.wire);
	cr_assert_str_eq(v_field(f, 11), want);
	cr_assert_str_eq(v_field(f, 55), "BTC-USD");
	cr_assert_str_eq(v_field(f, 54), "1");
	cr_assert_str_eq(v_field(f, 38), "2");
	cr_assert(v_has(f, 60));
	/* Asked again: a new ClOrdID. */
	from = v_count();
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, xr_now_ns()), 0);
	f = await_msg(from, "F");
	snprintf(want, sizeof(want), "%s-C2", a.wire);
	cr_assert_str_eq(v_field(f, 11), want);
	/* A cancel reject changes nothing. */
	v_send("9", "11=%s|41=%s|39=1|434=1|102=0", want, a.wire);
	expect_quiet();

	v_send("8", "150=4|39=4|11=%s-C1|41=%s|14=1|151=0", a.wire, a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_NONE);
	cr_assert_eq(e.last_qty, 0);
	cr_assert_eq(e.cum_qty, U(1));
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(health().open_orders, 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, xr_now_ns()), -ENOENT);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 99, xr_now_ns()), -ENOENT);
}

Test(fix_conn, report_found_by_orig_cl_ord_id, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(4, XR_TIF_DAY, U(1), U(100));
	/* ClOrdID of this run but of no open order (a cancel's own id, as the
	 * venue numbered it): OrigClOrdID names the order. */
	size_t pl = strlen(a.wire) - 1;
	v_send("8", "150=4|39=4|11=%.*s77|41=%s|14=0|151=0", (int)pl, a.wire, a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 4);
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(health().open_orders, 0);
}

Test(fix_conn, cancel_after_ms_cancels_old_orders_as_expired, .fini = fx_fini)
{
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_fix[0].cancel_after_ms = 30;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	uint64_t t0 = xr_now_ns();
	struct sent a = send_order(1, XR_TIF_GTC, U(1), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);

	uint32_t f = await_msg(a.idx, "F");
	cr_assert_geq(xr_now_ns() - t0, MS(30), "canceled before cancel_after_ms");
	cr_assert_str_eq(v_field(f, 41), a.wire);
	/* Not canceled again while its cancel is out (two more periods). */
	for (uint64_t until = xr_now_ns() + MS(60); xr_now_ns() < until;) {
		pump();
		breathe();
	}
	sync_venue();
	cr_assert_eq(v_count_type(a.idx, "F"), 1);

	v_send("8", "150=4|39=4|11=%s|41=%s|14=0|151=0", v_field(f, 11), a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_EXPIRED);
	cr_assert_eq(health().open_orders, 0);
}

Test(fix_conn, cancel_after_ms_cancels_again_when_its_cancel_was_gap_filled, .fini = fx_fini)
{
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_fix[0].cancel_after_ms = 30;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	struct sent a = send_order(1, XR_TIF_GTC, U(1), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	uint32_t f = await_msg(a.idx, "F");

	/* The venue never got the OrderCancelRequest: it asks for it, the
	 * connector gap-fills it, so the order is still live at the venue,
	 * older than cancel_after_ms, and no cancel of it is out. */
	uint32_t from = v_count();
	v_send("2", "7=%llu|16=0", (unsigned long long)v_u64(f, 34));
	uint32_t g = await_msg(from, "4");
	cr_assert_eq(v_u64(g, 34), v_u64(f, 34));
	cr_assert_eq(health().open_orders, 1);
	/* Within ten cancel_after_ms periods it is canceled again. */
	uint32_t f2 = await_msg_within(g, "F", MS(300));
	cr_assert_str_eq(v_field(f2, 41), a.wire);
	v_send("8", "150=4|39=4|11=%s|41=%s|14=0|151=0", v_field(f2, 11), a.wire);
	struct xr_conn_event e = next_ev();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_EXPIRED);
}

Test(fix_conn, ioc_remainder_canceled_is_no_liquidity, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_IOC, U(2), U(100));
	v_send("8", "150=F|39=1|11=%s|14=0.5|151=1.5|32=0.5|31=100", a.wire);
	struct xr_conn_event e = next_ev();
	cr_assert_eq(e.last_qty, U(1) / 2);
	v_send("8", "150=4|39=4|11=%s|14=0.5|151=0", a.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_NO_LIQUIDITY);
	cr_assert_eq(e.cum_qty, U(1) / 2);
	cr_assert_eq(e.leaves_qty, 0);

	/* DoneForDay (39=3) ends an order as Expired. */
	struct sent b = send_order(2, XR_TIF_DAY, U(1), U(100));
	v_send("8", "150=3|39=3|11=%s|14=0|151=0", b.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 2);
	cr_assert_eq(e.ord_status, XR_OS_EXPIRED);
	cr_assert_eq(e.reason, XR_R_EXPIRED);
	cr_assert_eq(health().open_orders, 0);
}

/* ------------------------------------------------------------ 7. gap fill */

Test(fix_conn, resend_request_gap_fills_and_fails_unanswered_orders, .fini = fx_fini)
{
	fx_start();
	struct sent b = send_order(1, XR_TIF_DAY, U(1), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", b.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	struct sent a = send_order(2, XR_TIF_DAY, U(1), U(100));
	cr_assert_eq(a.seq, b.seq + 1);

	/* The venue never got order 2's NewOrderSingle (nor order 1's, it
	 * says, but that one it has acknowledged: live, not failed). */
	uint32_t from = v_count();
	v_send("2", "7=%llu|16=0", (unsigned long long)b.seq);
	uint32_t g = await_msg(from, "4");
	cr_assert_eq(v_u64(g, 34), b.seq);
	cr_assert_str_eq(v_field(g, 123), "Y");
	cr_assert_str_eq(v_field(g, 43), "Y");
	cr_assert_eq(v_u64(g, 36), a.seq + 1);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_ORDER_FAILED, 2);
	cr_assert_eq(e.reason, XR_R_DISCONNECTED);
	expect_quiet();
	cr_assert_eq(health().open_orders, 1);
	struct xr_fix_conn_stats st;
	cr_assert_eq(xr_fix_conn_stats(&g_c, &st, NULL), 0);
	cr_assert_eq(st.gap_filled_orders, 1);
	/* The next message goes on after the gap fill's NewSeqNo. */
	struct sent c = send_order(3, XR_TIF_DAY, U(1), U(100));
	cr_assert_geq(c.seq, a.seq + 1);
}

/* ------------------------------------------------------------ 7b. bad venue input */

Test(fix_conn, ack_of_another_quantity_is_counted_and_fills_are_booked, .fini = fx_fini)
{
	fx_start();
	/* Buy 2.5; the venue acknowledges OrderQty 2. */
	struct sent a = send_order(1, XR_TIF_DAY, U(5) / 2, U(100));
	v_send("8", "150=0|39=0|11=%s|38=2|14=0|151=2", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(health().qty_changed, 1);

	/* Counted once per order; what the venue fills is booked. */
	v_send("8", "150=1|39=1|11=%s|38=2|14=1|151=1|32=1|31=100", a.wire);
	e = next_ev();
	cr_assert_eq(e.last_qty, U(1));
	v_send("8", "150=2|39=2|11=%s|38=2|14=2|151=0|32=1|31=100", a.wire);
	e = next_ev();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.cum_qty, U(2));
	cr_assert_eq(e.leaves_qty, 0);
	expect_quiet();
	cr_assert_eq(health().qty_changed, 1);
	cr_assert_eq(health().open_orders, 0);

	/* The same quantity acknowledged: not counted. */
	struct sent b = send_order(2, XR_TIF_DAY, U(3), U(100));
	v_send("8", "150=0|39=0|11=%s|38=3|14=0|151=3", b.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	cr_assert_eq(health().qty_changed, 1);
}

Test(fix_conn, overfill_is_refused_once_and_does_not_loop, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);

	/* Filled 2 of 1: refused with a session Reject, nothing booked. */
	uint32_t from = v_count();
	uint64_t bad = v_send("8", "150=2|39=2|11=%s|14=2|151=0|32=2|31=100", a.wire);
	uint32_t r = await_msg(from, "3");
	cr_assert_eq(v_u64(r, 45), bad);
	cr_assert_str_eq(v_field(r, 371), "14");
	expect_quiet();
	struct xr_conn_health h = health();
	cr_assert_eq(h.overfill_reports, 1);
	cr_assert_eq(h.open_orders, 1, "in doubt, not ended");

	/* The engine asks after it; the venue answers the same each time.
	 * A few queries go out, each answer is counted and not refused
	 * again, then the connector stops asking. */
	unsigned sent = 0;
	for (int k = 0; k < 6; k++) {
		uint32_t at = v_count();
		int rc = g_c.ops->status(g_c.ctx, 1, 4, xr_now_ns());
		if (rc != 0) {
			cr_assert_eq(rc, -EALREADY, "status: %d", rc);
			continue;
		}
		sent++;
		await_msg(at, "H");
		v_send("8", "150=I|39=2|11=%s|14=2|151=0", a.wire);
		expect_quiet();
	}
	cr_assert_eq(sent, 3, "the queries of an order in doubt are bounded");
	cr_assert_eq(v_count_type(from, "3"), 1, "one Reject for the order, not one per answer");
	cr_assert_eq(v_count_type(from, "H"), 3);
	cr_assert_eq(health().overfill_reports, 4);

	/* A valid report still settles it. */
	v_send("8", "150=2|39=2|11=%s|14=1|151=0|32=1|31=100", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(health().open_orders, 0);
}

static void
redirect_stderr(void)
{
	cr_redirect_stderr();
}

Test(fix_conn, bad_reports_are_logged_with_their_cl_ord_id, .init = redirect_stderr,
     .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(5) / 2, U(100));
	v_send("8", "150=0|39=0|11=%s|38=2|14=0|151=2", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	v_send("8", "150=4|39=4|11=%s|14=0|151=0", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_CANCELED);
	v_send("8", "150=4|39=4|11=%s|14=0|151=0", a.wire);
	v_send("8", "150=0|39=0|11=OTHER-7|14=0|151=1");
	expect_quiet();
	fflush(stderr);
	char want[512];
	snprintf(want, sizeof(want),
		 "xroute: venue ven: fix warning: order 1 (ClOrdID %s): the venue acknowledged "
		 "OrderQty 2, xroute sent 2.5; fills are booked as reported, at most 2.5\n"
		 "xroute: venue ven: fix warning: execution report for ClOrdID %s (OrdStatus 4, "
		 "CumQty 0), an order already ended here: ignored\n"
		 "xroute: venue ven: fix warning: execution report for ClOrdID OTHER-7, which this "
		 "connector never sent: ignored\n", a.wire, a.wire);
	/* Stop the connector (its Logout lines follow) before reading. */
	xr_connector_destroy(&g_c);
	g_live = false;
	fflush(stderr);
	char got[4096];
	FILE *e = cr_get_redirected_stderr();
	size_t n = fread(got, 1, sizeof(got) - 1, e);
	got[n] = '\0';
	cr_assert_not_null(strstr(got, want), "stderr was:\n%s", got);
}

Test(fix_conn, malformed_frames_are_counted_and_the_session_goes_on, .fini = fx_fini)
{
	static const char junk[] = "hello venue\r\n"
				   "8=FIX.4.4\x01" "9=5\x01" "35=0\x01" "10=000\x01";

	fx_start();
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	v_raw(junk, sizeof(junk) - 1);
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	struct xr_conn_health h = health();
	cr_assert_eq(h.frames_dropped, 2, "garbage, then a bad CheckSum");
	cr_assert_eq(h.connected, 1);
	cr_assert_eq(h.escalations, 0);
	cr_assert_eq(h.foreign_reports + h.stale_reports + h.qty_changed + h.overfill_reports, 0);
}

Test(fix_conn, ignored_resend_request_escalates_and_reconnects, .fini = fx_fini)
{
	fx_start();
	/* The venue jumps 1000 MsgSeqNums ahead and never resends. */
	uint64_t expected = v_next_seq();
	v_set_seq(expected + 1000);
	uint32_t from = v_count();
	v_send("0", "%s", "");
	uint32_t rr = await_msg(from, "2");
	cr_assert_eq(v_u64(rr, 7), expected);

	/* resend_timeout_ms (the default 2000) later: a TestRequest. */
	g_skew_ns = MS(2100);
	await_msg(rr, "1");
	cr_assert_eq(health().escalations, 1);
	/* Another 2000 ms: Logout, then a reconnect and Logon. */
	g_skew_ns = MS(4200);
	uint32_t lo = await_msg(rr, "5");
	cr_assert_str_eq(v_field(lo, 58), "ResendRequest unanswered");
	uint32_t logon = await_msg(lo, "A");
	cr_assert_eq(g_v.msg[logon].conn, 2, "on a new connection");
	/* The venue's Logon is still ahead: the new session asks again. */
	uint32_t rr2 = await_msg(logon, "2");
	cr_assert_eq(v_u64(rr2, 7), expected);
	await_connected(1);
	cr_assert_eq(health().escalations, 2);
	struct xr_fix_session_stats ss;
	cr_assert_eq(xr_fix_conn_stats(&g_c, NULL, &ss), 0);
	cr_assert_eq(ss.resend_logouts, 1);
}

/* ------------------------------------------------------------ 8. reconnect */

Test(fix_conn, venue_disconnect_then_reconnect_keeps_sequence_and_orders, .fini = fx_fini)
{
	fx_start_v(XR_FIX_42);
	struct xr_fix_msg m;
	v_parse(0, &m);
	cr_assert_eq(m.version, XR_FIX_42);
	struct sent a = send_order(1, XR_TIF_GTC, U(2), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=2", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	struct sent b = send_order(2, XR_TIF_GTC, U(1), U(100)); /* in transit */
	cr_assert_eq(b.seq, 3);

	uint64_t t_drop = xr_now_ns();
	v_drop();
	uint64_t until = xr_now_ns() + DEADLINE_NS;
	while (health().connected) {
		cr_assert_lt(xr_now_ns(), until, "the connector did not see the venue close");
		pump();
		breathe();
	}
	uint64_t t_down = xr_now_ns();
	struct xr_conn_health h = health();
	cr_assert_geq(h.down_since_ns, t_drop);
	cr_assert_leq(h.down_since_ns, t_down);
	cr_assert_eq(h.open_orders, 2, "orders stay open across a disconnect");
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY, U(1), U(1)),
		     -ENOTCONN);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, xr_now_ns()), -ENOTCONN);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, xr_now_ns()), -ENOTCONN);
	cr_assert_eq(g_nev, g_used, "no event for the open orders");

	until = xr_now_ns() + DEADLINE_NS;
	while (!health().connected) {
		cr_assert_lt(xr_now_ns(), until, "no reconnect");
		pump();
		breathe();
	}
	uint64_t took = xr_now_ns() - t_down;
	cr_assert_leq(took, MS(200 + 100), "reconnected after %llu ms (reconnect_max_ms 200)",
		      (unsigned long long)(took / 1000000));
	int l = -1;
	for (int i = v_find(0, "A"); i >= 0; i = v_find((uint32_t)i + 1, "A"))
		if (g_v.msg[i].conn == 2)
			l = i;
	cr_assert_geq(l, 0, "a Logon on the second connection");
	v_parse((uint32_t)l, &m);
	cr_assert_eq(m.version, XR_FIX_42);
	cr_assert_eq(v_u64((uint32_t)l, 34), b.seq + 1, "MsgSeqNum goes on, not reset to 1");
	cr_assert_not(v_has((uint32_t)l, 141));
	h = health();
	cr_assert_eq(h.open_orders, 2);
	cr_assert_eq(h.down_since_ns, 0);

	/* Both orders are still tracked: the venue reports them. */
	v_send("8", "150=2|39=2|11=%s|14=2|151=0|32=2|31=100", a.wire);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(2));
	v_send("8", "150=0|39=0|11=%s|14=0|151=1", b.wire);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 2);
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(health().open_orders, 1);
	/* And new orders go out again. */
	struct sent c = send_order(4, XR_TIF_DAY, U(1), U(1));
	cr_assert_eq(c.seq, b.seq + 2);
}

Test(fix_conn, report_lost_in_a_disconnect_is_resent_and_counted_once, .fini = fx_fini)
{
	fx_start();
	struct sent a = send_order(1, XR_TIF_GTC, U(3), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=3", a.wire); /* venue seq 2 */
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);

	/* The connection breaks; the venue's fill report (its seq 3: 1 @ 100)
	 * went into it and was lost. */
	v_drop();
	await_connected(0);
	v_set_seq(4);
	uint32_t from = v_count();
	await_connected(1);
	/* The venue's Logon is 4: the connector asks from 3. */
	uint32_t rr = await_msg(from, "2");
	cr_assert_str_eq(v_field(rr, 7), "3");
	cr_assert_str_eq(v_field(rr, 16), "0");
	v_resend(3, "8", "43=Y|122=20260101-00:00:00.000|150=F|39=1|11=%s|14=1|151=2|32=1|31=100",
		 a.wire);
	v_resend(4, "4", "43=Y|123=Y|36=5");
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_PARTIALLY_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.last_notional, U(100));
	/* Resent once more, in sequence: no second fill. Then the rest. */
	v_send("8", "43=Y|150=F|39=1|11=%s|14=1|151=2|32=1|31=100", a.wire);
	expect_quiet();
	v_send("8", "150=F|39=2|11=%s|14=3|151=0|32=2|31=101", a.wire);
	e = next_ev();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_qty, U(2));
	cr_assert_eq(e.cum_qty, U(3));
	cr_assert_eq(e.last_notional, U(202));
}

/*
 * reset_on_logon: "both sides restart at 1" (docs/connectors.md), while
 * orders sent before the reconnect stay open ("Orders in flight during a
 * disconnect stay open in the connector"). A NewOrderSingle of the new
 * session then has the MsgSeqNum an open order's had in the old one.
 */
static void
reset_session_with_order_in_flight(struct sent *a, struct sent *b)
{
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_fix[0].reset_on_logon = 1;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	cr_assert_str_eq(v_field(0, 141), "Y");
	*a = send_order(1, XR_TIF_GTC, U(1), U(100)); /* in flight: no answer */
	v_drop();
	await_connected(0);
	v_set_seq(1); /* the venue restarts at 1 too */
	uint32_t from = v_count();
	await_connected(1);
	uint32_t l = await_msg(from, "A");
	cr_assert_str_eq(v_field(l, 34), "1");
	cr_assert_str_eq(v_field(l, 141), "Y");
	cr_assert_eq(health().open_orders, 1);
	*b = send_order(2, XR_TIF_GTC, U(1), U(100));
	cr_assert_eq(b->seq, a->seq, "precondition: the same MsgSeqNum in both sessions");
}

Test(fix_conn, reset_on_logon_reject_fails_the_rejected_order, .fini = fx_fini)
{
	struct sent a, b;

	reset_session_with_order_in_flight(&a, &b);
	/* The venue refuses order 2's NewOrderSingle (this session's seq 2). */
	v_send("3", "45=%llu|372=D|373=5|371=44", (unsigned long long)b.seq);
	struct xr_conn_event e = next_ev();
	cr_assert_eq(e.kind, XR_EV_ORDER_FAILED);
	cr_assert_eq(e.cl_ord_id, 2, "the Reject of order 2's NewOrderSingle failed order %llu",
		     (unsigned long long)e.cl_ord_id);
	cr_assert_eq(e.reason, XR_R_MSG_REJECT);
	expect_quiet();
	cr_assert_eq(health().open_orders, 1, "order 1 (maybe live) stays open");
}

Test(fix_conn, reset_on_logon_gap_fill_fails_only_this_sessions_orders, .fini = fx_fini)
{
	struct sent a, b;

	reset_session_with_order_in_flight(&a, &b);
	/* The venue never got this session's seq 2 (order 2's NewOrderSingle). */
	uint32_t from = v_count();
	v_send("2", "7=%llu|16=0", (unsigned long long)b.seq);
	await_msg(from, "4");
	struct xr_conn_event e = next_ev();
	cr_assert_eq(e.kind, XR_EV_ORDER_FAILED);
	cr_assert_eq(e.cl_ord_id, 2, "this session's GapFill failed order %llu of the previous "
		     "session", (unsigned long long)e.cl_ord_id);
	cr_assert_eq(e.reason, XR_R_DISCONNECTED);
	expect_quiet();
	cr_assert_eq(health().open_orders, 1, "order 1 is not proven dead by this GapFill");
}

/* ------------------------------------------------------------ 9. seq store */

static void
store_path(char *buf, size_t cap, const char *what)
{
	snprintf(buf, cap, "/tmp/xr_test_fix_conn.%ld.%s.seq", (long)getpid(), what);
	unlink(buf);
}

Test(fix_conn, seq_store_keeps_msg_seq_nums_across_restarts, .fini = fx_fini)
{
	char path[128];

	store_path(path, sizeof(path), "restart");
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	snprintf(g_fix[0].seq_store, sizeof(g_fix[0].seq_store), "%s", path);
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	cr_assert_eq(v_u64(0, 34), 1);
	struct sent a = send_order(1, XR_TIF_DAY, U(1), U(100));
	cr_assert_eq(a.seq, 2);
	xr_connector_destroy(&g_c);
	g_live = false;
	int lo = v_find(0, "5");
	cr_assert_geq(lo, 0, "Logout at destroy");
	cr_assert_eq(v_u64((uint32_t)lo, 34), 3);

	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, (off_t)sizeof(struct xr_fix_seq));

	uint32_t from = v_count();
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	uint32_t l = await_msg(from, "A");
	cr_assert_eq(v_u64(l, 34), 4, "MsgSeqNum goes on from the store");
	cr_assert_eq(health().connected, 1,
		     "the venue's Logon (its MsgSeqNum 3) is what the store expects");
	sync_venue();
	cr_assert_eq(v_count_type(from, "2"), 0, "no ResendRequest: nothing was missed");
	unlink(path);
}

Test(fix_conn, seq_store_of_the_wrong_size_is_refused)
{
	char path[128];

	store_path(path, sizeof(path), "size");
	/* A valid store followed by 32 more bytes: only its size is wrong. */
	struct xr_fix_seq st[2] = { { .magic = XR_FIX_SEQ_MAGIC, .next_out = 5, .next_in = 5 } };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, st, sizeof(st)), (ssize_t)sizeof(st));
	close(fd);
	fx_init(1);
	snprintf(g_fix[0].seq_store, sizeof(g_fix[0].seq_store), "%s", path);
	cr_assert_eq(fx_create(), -EINVAL);
	cr_assert_not_null(strstr(g_err, path), "error names the file: %s", g_err);
	cr_assert_not_null(strstr(g_err, "not a sequence store"), "%s", g_err);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, (off_t)sizeof(st), "the file is left alone");
	unlink(path);
}

Test(fix_conn, seq_store_in_use_is_refused, .fini = fx_fini)
{
	char path[128];
	struct xr_connector second;

	store_path(path, sizeof(path), "inuse");
	v_start(XR_FIX_44);
	fx_init(g_v.port);
	snprintf(g_fix[0].seq_store, sizeof(g_fix[0].seq_store), "%s", path);
	g_venue[1] = g_venue[0];
	strcpy(g_venue[1].name, "ven2");
	g_cfg.n_venues = 2;
	cr_assert_eq(fx_create(), 0, "%s", g_err);
	cr_assert_eq(xr_connector_create(&g_cfg, 1, &second, g_err, sizeof(g_err)), -EINVAL);
	cr_assert_not_null(strstr(g_err, "in use"), "%s", g_err);
	cr_assert_not_null(strstr(g_err, path), "%s", g_err);
	cr_assert_eq(health().connected, 1, "the first is untouched");
	/* Released at destroy. */
	xr_connector_destroy(&g_c);
	g_live = false;
	cr_assert_eq(xr_connector_create(&g_cfg, 1, &second, g_err, sizeof(g_err)), 0, "%s",
		     g_err);
	xr_connector_destroy(&second);
	unlink(path);
}

/* ------------------------------------------------------------ 10. destroy */

Test(fix_conn, destroy_logs_out, .fini = fx_fini)
{
	fx_start();
	send_order(1, XR_TIF_DAY, U(1), U(100));
	uint32_t from = v_count();
	uint64_t t0 = xr_now_ns();
	xr_connector_destroy(&g_c);
	g_live = false;
	cr_assert_lt(xr_now_ns() - t0, MS(1000), "the venue answered: no 2 s Logout timeout");
	int lo = v_find(from, "5");
	cr_assert_geq(lo, 0, "Logout sent");
	cr_assert_eq(v_u64((uint32_t)lo, 34), 3);
	cr_assert_str_eq(v_field((uint32_t)lo, 49), "XR");
}

/* ------------------------------------------------------------ mass status */

Test(fix_conn, mass_status_is_refused_unless_configured_and_fix44, .fini = fx_fini)
{
	fx_start(); /* mass_status = false (the default) */
	cr_assert_not_null(g_c.ops->mass_status);
	cr_assert_eq(g_c.ops->mass_status(g_c.ctx, xr_now_ns()), -EOPNOTSUPP);
	fx_fini();

	v_start(XR_FIX_42);
	fx_init(g_v.port);
	g_fix[0].begin_string = XR_FIX_42;
	g_fix[0].mass_status = 1;
	cr_assert_eq(fx_create(), 0, "create: %s", g_err);
	cr_assert_eq(pump(), 4);
	cr_assert_eq(g_c.ops->mass_status(g_c.ctx, xr_now_ns()), -EOPNOTSUPP,
		     "OrderMassStatusRequest is not FIX 4.2");
	expect_quiet();
	cr_assert_lt(v_find(0, "AF"), 0);
}

Test(fix_conn, mass_status_answers_update_open_orders_once, .fini = fx_fini)
{
	struct xr_fix_conn_stats st;

	v_start(XR_FIX_44);
	fx_init(g_v.port);
	g_fix[0].mass_status = 1;
	cr_assert_eq(fx_create(), 0, "create: %s", g_err);
	cr_assert_eq(pump(), 4);
	struct sent a = send_order(1, XR_TIF_DAY, U(2), U(100));
	v_send("8", "150=0|39=0|11=%s|14=0|151=2", a.wire);
	cr_assert_eq(next_ev().ord_status, XR_OS_NEW);
	struct sent b = send_order(2, XR_TIF_DAY, U(2), U(100)); /* no report yet */

	uint32_t from = v_count();
	cr_assert_eq(g_c.ops->mass_status(g_c.ctx, xr_now_ns()), 0);
	uint32_t i = await_msg(from, "AF");
	cr_assert_str_eq(v_field(i, 585), "7", "MassStatusReqType 7: all orders");
	cr_assert(v_has(i, 584), "MassStatusReqID");
	const char *req = v_field(i, 584);
	char id[64];
	snprintf(id, sizeof(id), "%s", req);

	/* Order 1 filled 1 of 2 while we were not looking: one fill, at AvgPx. */
	v_send("8", "150=I|39=1|11=%s|14=1|151=1|6=100|584=%s|911=3", a.wire, id);
	struct xr_conn_event e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 1);
	cr_assert_eq(e.ord_status, XR_OS_PARTIALLY_FILLED);
	cr_assert_eq(e.last_qty, U(1));
	cr_assert_eq(e.last_notional, U(100));
	cr_assert_eq(e.cum_qty, U(1));
	/* The same answer again (a second request): nothing new, not twice. */
	v_send("8", "150=I|39=1|11=%s|14=1|151=1|6=100|584=%s|911=3", a.wire, id);
	/* Order 2 is live at the venue: its first word. */
	v_send("8", "150=I|39=0|11=%s|14=0|151=2|584=%s|911=3", b.wire, id);
	e = next_ev();
	check_order_ev(&e, XR_EV_EXEC_REPORT, 2);
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	/* An order this connector never sent: counted foreign, no event. */
	v_send("8", "150=I|39=0|11=OTHER-7|14=0|151=1|584=%s|911=3|912=Y", id);
	/* And the answer of a venue with nothing for us. */
	v_send("8", "150=I|39=8|11=NONE|37=NONE|14=0|151=0|584=%s|911=0|912=Y", id);
	expect_quiet();
	cr_assert_eq(xr_fix_conn_stats(&g_c, &st, NULL), 0);
	cr_assert_eq(st.mass_status_sent, 1);
	cr_assert_eq(st.mass_status_empty, 1);
	cr_assert_eq(st.foreign_reports, 1);
	cr_assert_eq(health().open_orders, 2);
}
