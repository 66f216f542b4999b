/*
 * fix: the FIX codec's cost (connectors/fix/xr_fix.h) on one pinned
 * thread: encode then decode one NewOrderSingle (35=D) and one
 * ExecutionReport (35=8), FIX 4.4, as the FIX connector does on the
 * execute stage.
 *
 *   encode  xr_fix_begin, the message's fields (NewOrderSingle: 49 56 34
 *           52 11 21 55 54 60 38 40 44 59; ExecutionReport: 49 56 34 52 37
 *           11 17 150 39 55 54 38 44 32 31 151 14 6), xr_fix_finish
 *           (BodyLength and CheckSum);
 *   decode  xr_fix_frame (checksum verified) and xr_fix_parse, then the
 *           fields the connector reads (NewOrderSingle: 11 55 54 38 44;
 *           ExecutionReport: 11 150 39 32 31 151 14 6).
 * The sequence number, ClOrdID, quantity and time change every message,
 * so no branch or copy is constant.
 *
 * FIGURES
 *   fix.nos.encode_decode and fix.er.encode_decode: ns per encode + decode,
 *   the mean over a round of N messages (N = 1,000,000, quick 100,000);
 *   median/min/max over rounds. ratio_vs_floor: the median divided by the
 *   cross-core cache-line round trip measured in the same run. Extras:
 *   bytes (message length) and alloc_bytes_per_msg (jemalloc's
 *   thread.allocatedp across all rounds; 0 = no allocation).
 *   fix.tcp.rtt: ns per round trip of a 200-byte message over loopback TCP
 *   (TCP_NODELAY, blocking send/recv) between two threads pinned to cpu_a
 *   and cpu_b: the kernel's floor under any FIX round trip on this machine,
 *   the reference perf/fix-roundtrip.sh divides the executor round trip by.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "perf_pvt.h"
#include "xr_alloc_probe.h"
#include "xr_fix.h"

/* A value the compiler cannot drop. */
static volatile uint64_t xr__sink;

static size_t
xr__nos(char *buf, size_t cap, uint64_t i)
{
	struct xr_fix_writer w;
	const char *out;
	size_t len;

	xr_fix_begin(&w, buf, cap, XR_FIX_44, "D");
	xr_fix_put_str(&w, 49, "XROUTE", 6);
	xr_fix_put_str(&w, 56, "EXECUTOR", 8);
	xr_fix_put_u64(&w, 34, 1000 + i);
	xr_fix_put_time(&w, 52, UINT64_C(1795307415123000000) + i * 1000);
	xr_fix_put_u64(&w, 11, 5000000 + i);
	xr_fix_put_char(&w, 21, '1');
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 54, i & 1 ? '2' : '1');
	xr_fix_put_time(&w, 60, UINT64_C(1795307415123000000) + i * 1000);
	xr_fix_put_fixed(&w, 38, (int64_t)(i % 1000 + 1) * 1000000, 8);
	xr_fix_put_char(&w, 40, '2');
	xr_fix_put_fixed(&w, 44, INT64_C(5000025000000) + (int64_t)(i % 16) * 50000000, 8);
	xr_fix_put_char(&w, 59, '3');
	if (xr_fix_finish(&w, &out, &len) != 0)
		return 0;
	return (size_t)(out - buf) << 16 | len;
}

static size_t
xr__er(char *buf, size_t cap, uint64_t i)
{
	struct xr_fix_writer w;
	const char *out;
	size_t len;
	int64_t qty = (int64_t)(i % 1000 + 1) * 1000000;

	xr_fix_begin(&w, buf, cap, XR_FIX_44, "8");
	xr_fix_put_str(&w, 49, "EXECUTOR", 8);
	xr_fix_put_str(&w, 56, "XROUTE", 6);
	xr_fix_put_u64(&w, 34, 2000 + i);
	xr_fix_put_time(&w, 52, UINT64_C(1795307415123000000) + i * 1000);
	xr_fix_put_u64(&w, 37, 9000000 + i);
	xr_fix_put_u64(&w, 11, 5000000 + i);
	xr_fix_put_u64(&w, 17, 7000000 + i);
	xr_fix_put_char(&w, 150, 'F');
	xr_fix_put_char(&w, 39, '2');
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 54, '1');
	xr_fix_put_fixed(&w, 38, qty, 8);
	xr_fix_put_fixed(&w, 44, INT64_C(5000025000000), 8);
	xr_fix_put_fixed(&w, 32, qty, 8);
	xr_fix_put_fixed(&w, 31, INT64_C(5000025000000), 8);
	xr_fix_put_fixed(&w, 151, 0, 8);
	xr_fix_put_fixed(&w, 14, qty, 8);
	xr_fix_put_fixed(&w, 6, INT64_C(5000025000000), 8);
	if (xr_fix_finish(&w, &out, &len) != 0)
		return 0;
	return (size_t)(out - buf) << 16 | len;
}

/* Decode the message at @p p; @return a checksum of what was read, or 0. */
static uint64_t
xr__decode(const char *p, size_t len, const uint32_t *tags, unsigned n_tags,
	   struct xr_fix_msg *m)
{
	size_t framed;
	enum xr_fix_error why;
	uint64_t acc = 0;

	if (xr_fix_frame(p, len, &framed, &why) != 1 || xr_fix_parse(p, framed, m, &why) != 0)
		return 0;
	for (unsigned k = 0; k < n_tags; k++) {
		/* Numbers as fixed point, chars (Side, OrdStatus) and text
		 * (Symbol) as the connector will read them. */
		const char *s;
		uint32_t sl;
		int64_t v;
		if (!xr_fix_get_str(m, tags[k], &s, &sl))
			return 0;
		if (sl == 1 || (s[0] >= 'A' && s[0] <= 'Z'))
			acc += (unsigned char)s[0] + sl;
		else if (xr_fix_get_fixed(m, tags[k], 8, &v))
			acc += (uint64_t)v;
		else
			return 0;
	}
	return acc | 1;
}

/* One round: @p n encode + decode of one kind; @return ns per message,
 * or a negative value if a message failed to round-trip. */
static double
xr__round(int er, uint64_t n, struct xr_fix_msg *m, size_t *bytes)
{
	static const uint32_t nos_tags[] = {11, 55, 54, 38, 44};
	static const uint32_t er_tags[] = {11, 150, 39, 32, 31, 151, 14, 6};
	char buf[512];
	uint64_t acc = 0, t0 = xr_perf_now_ns();

	for (uint64_t i = 0; i < n; i++) {
		size_t at = er ? xr__er(buf, sizeof(buf), i) : xr__nos(buf, sizeof(buf), i);
		size_t off = at >> 16, len = at & 0xffff;
		uint64_t got = len == 0 ? 0
			       : er ? xr__decode(buf + off, len, er_tags, 8, m)
				    : xr__decode(buf + off, len, nos_tags, 5, m);
		if (got == 0)
			return -1;
		acc += got;
		*bytes = len;
	}
	uint64_t t1 = xr_perf_now_ns();
	xr__sink += acc;
	return (double)(t1 - t0) / (double)n;
}

/* ---- loopback TCP ping-pong ---- */

#define XR__TCP_MSG 200

struct xr__tcp_peer {
	int fd;
	int cpu;
	uint64_t n;
	int rc;
};

/* Read exactly XR__TCP_MSG bytes. @return 0, or -1 on error or EOF. */
static int
xr__recv_all(int fd, char *buf)
{
	size_t got = 0;

	while (got < XR__TCP_MSG) {
		ssize_t k = recv(fd, buf + got, XR__TCP_MSG - got, 0);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* The echo side: answer every message with the same bytes. */
static void *
xr__tcp_echo(void *arg)
{
	struct xr__tcp_peer *p = arg;
	char buf[XR__TCP_MSG];

	xr_perf_pin_self(p->cpu);
	for (uint64_t i = 0; i < p->n; i++) {
		if (xr__recv_all(p->fd, buf) != 0 ||
		    send(p->fd, buf, XR__TCP_MSG, MSG_NOSIGNAL) != XR__TCP_MSG) {
			p->rc = -1;
			break;
		}
	}
	return NULL;
}

/* A connected loopback TCP pair with TCP_NODELAY. @return 0 or -1. */
static int
xr__tcp_pair(int fd[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	fd[0] = fd[1] = -1;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) != 0)
		goto fail;
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fd[0] < 0 || connect(fd[0], (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	fd[1] = accept(l, NULL, NULL);
	if (fd[1] < 0)
		goto fail;
	close(l);
	for (int i = 0; i < 2; i++)
		setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
fail:
	if (l >= 0)
		close(l);
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return -1;
}

/* One round: @p n ping-pongs, each one's ns in @p samples if not NULL.
 * @return ns per round trip, or -1. */
static double
xr__tcp_round(const struct xr_perf_opts *o, uint64_t n, uint64_t *samples)
{
	char buf[XR__TCP_MSG];
	int fd[2];
	pthread_t t;

	if (xr__tcp_pair(fd) != 0)
		return -1;
	memset(buf, 'x', sizeof(buf));
	struct xr__tcp_peer echo = {.fd = fd[1], .cpu = o->cpu_b, .n = n + 100};
	if (pthread_create(&t, NULL, xr__tcp_echo, &echo) != 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	double ns = -1;
	uint64_t t0 = 0, ts = 0;
	for (uint64_t i = 0; i < n + 100; i++) {
		if (i == 100) /* the first 100 warm up */
			t0 = xr_perf_now_ns();
		if (samples != NULL)
			ts = xr_perf_now_ns();
		if (send(fd[0], buf, XR__TCP_MSG, MSG_NOSIGNAL) != XR__TCP_MSG ||
		    xr__recv_all(fd[0], buf) != 0)
			break;
		if (samples != NULL && i >= 100)
			samples[i - 100] = xr_perf_now_ns() - ts;
		if (i + 1 == n + 100)
			ns = (double)(xr_perf_now_ns() - t0) / (double)n;
	}
	close(fd[0]);
	pthread_join(t, NULL);
	close(fd[1]);
	return echo.rc == 0 ? ns : -1;
}

double
xr_perf_tcp_rtt_once(const struct xr_perf_opts *o, uint64_t n, uint64_t *samples)
{
	return xr__tcp_round(o, n, samples);
}

static int
xr__tcp(const struct xr_perf_opts *o, unsigned rounds)
{
	uint64_t n = o->quick ? 2000 : 20000;
	double v[64];

	if (xr_perf_pin_self(o->cpu_a) != 0)
		fprintf(stderr, "xroute-perf fix: cannot pin to cpu %d; running unpinned\n",
			o->cpu_a);
	for (unsigned r = 0; r < rounds; r++) {
		v[r] = xr__tcp_round(o, n, NULL);
		if (v[r] < 0) {
			fprintf(stderr, "xroute-perf fix: loopback TCP ping-pong failed\n");
			return 1;
		}
	}
	struct xr_perf_result res;
	xr_perf_result_init(&res, "fix.tcp.rtt", "ns");
	xr_perf_result_stats(&res, v, rounds);
	xr_perf_result_extra(&res, "bytes", XR__TCP_MSG);
	return xr_perf_emit(o, &res) ? 1 : 0;
}

int
xr_perf_fix(const struct xr_perf_opts *o)
{
	static struct xr_fix_msg m; /* 1.5 KB: off the stack of a test thread */
	unsigned rounds = o->rounds ? o->rounds : o->quick ? 3 : 7;
	uint64_t n = o->quick ? 100000 : 1000000;
	const char *names[2] = {"fix.nos.encode_decode", "fix.er.encode_decode"};
	double v[2][64], floor_ns[3];
	size_t bytes[2] = {0, 0};

	for (unsigned r = 0; r < 3; r++)
		floor_ns[r] = xr_perf_floor_once(o, o->quick ? 100000 : 1000000);
	double floor_rtt = xr_perf_median(floor_ns, 3);
	if (xr_perf_pin_self(o->cpu_a) != 0)
		fprintf(stderr, "xroute-perf fix: cannot pin to cpu %d; running unpinned\n",
			o->cpu_a);
	const uint64_t *allocated = xr_alloc_probe_thread();
	uint64_t a0 = allocated ? *allocated : 0;
	/* Rounds interleave the two kinds, so noise falls on both alike. */
	for (unsigned r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			v[k][r] = xr__round(k, n, &m, &bytes[k]);
			if (v[k][r] < 0) {
				fprintf(stderr,
					"xroute-perf fix: %s: a message did not round-trip\n",
					names[k]);
				return 1;
			}
		}
	}
	uint64_t a1 = allocated ? *allocated : 0;
	xr_perf_header("fix: FIX 4.4 codec, encode + decode per message, one thread");
	for (int k = 0; k < 2; k++) {
		struct xr_perf_result res;
		xr_perf_result_init(&res, names[k], "ns");
		xr_perf_result_stats(&res, v[k], rounds);
		res.ratio_vs_floor = res.median / floor_rtt;
		xr_perf_result_extra(&res, "bytes", (double)bytes[k]);
		xr_perf_result_extra(&res, "floor_rtt_ns", floor_rtt);
		xr_perf_result_extra(&res, "alloc_bytes_per_msg",
				     allocated ? (double)(a1 - a0) / (2.0 * (double)n * rounds)
					       : -1);
		if (xr_perf_emit(o, &res))
			return 1;
	}
	return xr__tcp(o, rounds);
}
