/*
 * The router's client endpoint (engine/client_server.c) against the real
 * client library (tools/client/), each client a forked process: the
 * handshake and its credentials, events both ways, a full ring, a garbage
 * record, impossible ring indices, and two clients' separate memfds.
 *
 * No sleeps: the parent waits with poll() on the server's sockets and on a
 * pipe per child (its hang-up = the child exited; a byte = "done"); the
 * children spin on their ring or poll their socket, bounded by a deadline.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xr_client.h"
#include "xr_client_server.h"
#include "xr_ring.h"

#define CAP 8

static char g_path[108];

struct child {
	pid_t pid;
	int done_rd; /* parent end: a byte when the child says so, HUP at exit */
	int go_wr;   /* parent end: a byte lets the child go on */
};

typedef int (*child_fn)(int done_wr, int go_rd);

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct child
spawn(child_fn fn)
{
	int done[2], go[2];
	cr_assert_eq(pipe(done), 0);
	cr_assert_eq(pipe(go), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(done[0]);
		close(go[1]);
		_exit(fn(done[1], go[0]));
	}
	close(done[1]);
	close(go[0]);
	return (struct child){.pid = pid, .done_rd = done[0], .go_wr = go[1]};
}

/* Wait (poll, 10 s at most) until the pipe is readable or hung up. */
static void
wait_child_pipe(const struct child *c)
{
	struct pollfd p = {.fd = c->done_rd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 10000), 1, "child %ld did not report", (long)c->pid);
}

static int
reap(struct child *c)
{
	int st;
	cr_assert_eq(waitpid(c->pid, &st, 0), c->pid);
	close(c->done_rd);
	close(c->go_wr);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Serve (poll + service) until session @p id is in @p state; bounded. */
static void
serve_until(struct xr_client_server *srv, uint32_t id, int state)
{
	for (int i = 0; i < 1000; i++) {
		struct xr_client_info info;
		cr_assert_eq(xr_client_server_info(srv, id, &info), 0);
		if (info.state == state)
			return;
		struct pollfd fds[8];
		int n = xr_client_server_pollfds(srv, fds, 8);
		cr_assert_geq(poll(fds, (nfds_t)n, 10000), 1, "no socket activity");
		cr_assert_geq(xr_client_server_service(srv), 0);
		/* This thread is the data thread too: give closing sessions
		 * back, as the ingress stage does. */
		struct xr_client_notice no;
		while (xr_client_server_notice(srv, &no))
			if (no.op == XR_CLIENT_NOTICE_CLOSE)
				xr_client_server_release(srv, no.id, NULL);
	}
	cr_assert_fail("session %u never reached state %d", id, state);
}

static void
setup(void)
{
	snprintf(g_path, sizeof(g_path), "/tmp/xr-client-test-%ld.sock", (long)getpid());
}

static struct xr_client_signal
good(uint64_t id)
{
	struct xr_client_signal s = {
		.signal_id = id, .ts_ns = 1, .qty = 100000000, .limit_px = 5000000000000,
		.kind = XR_CSIG_NEW, .side = 1, .ord_type = 2, .tif = 0xff,
	};
	strcpy(s.symbol, "BTC-USD");
	return s;
}

/* Child: wait for the router's hang-up on the session socket (retired). */
static int
await_hup(struct xr_client *c)
{
	struct pollfd p = {.fd = xr_client_fd(c), .events = POLLIN};
	if (poll(&p, 1, 10000) != 1)
		return 90;
	char b;
	return recv(p.fd, &b, 1, MSG_DONTWAIT) == 0 ? 0 : 91;
}

/* Child: spin on the ring until @p n events came; bounded by 10 s. */
static int
await_events(struct xr_client *c, struct xr_client_event *ev, int n)
{
	int got = 0;
	uint64_t end = now_ns() + 10000000000u;
	while (got < n && now_ns() < end)
		got += xr_client_poll(c, ev + got, n - got);
	return got;
}

/* --- handshake, credentials, router -> client events ------------------ */

static int
child_handshake(int done_wr, int go_rd)
{
	(void)done_wr;
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "alice");
	if (c == NULL)
		return 10;
	const struct xr_client_shm_hdr *h = xr_client_header(c);
	if (h->magic != XR_CLIENT_MAGIC || h->version != XR_CLIENT_VERSION ||
	    strcmp(h->name, "alice") != 0 || h->peer_uid != (uint32_t)getuid() ||
	    h->c2r_capacity != CAP || h->client_id != 0)
		return 11;
	struct xr_client_event ev[2];
	if (await_events(c, ev, 2) != 2)
		return 12;
	if (ev[0].kind != XR_CEV_FILL || ev[0].signal_id != 5 || ev[0].qty != 50000000 ||
	    ev[0].px != 5000000000000)
		return 13;
	if (ev[1].kind != XR_CEV_RESULT || ev[1].final != XR_FINAL_PARTIALLY_FILLED ||
	    ev[1].fees != 1250)
		return 14;
	xr_client_close(c);
	return 0;
}

Test(client_server, handshake_credentials_and_events, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 4, CAP, CAP);
	cr_assert_not_null(srv);
	struct child ch = spawn(child_handshake);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	struct xr_client_info info;
	xr_client_server_info(srv, 0, &info);
	cr_assert_eq(info.pid, ch.pid);
	cr_assert_eq(info.uid, getuid());
	cr_assert_str_eq(info.name, "alice");
	struct xr_client_event fill = {.kind = XR_CEV_FILL, .signal_id = 5, .qty = 50000000,
				       .px = 5000000000000, .venue = 0};
	struct xr_client_event res = {.kind = XR_CEV_RESULT, .signal_id = 5, .qty = 50000000,
				      .px = 5000000000000, .fees = 1250,
				      .final = XR_FINAL_PARTIALLY_FILLED, .venue = 0xff};
	cr_assert_eq(xr_client_server_send(srv, 0, &fill), 0);
	cr_assert_eq(xr_client_server_send(srv, 0, &res), 0);
	cr_assert_eq(reap(&ch), 0);
	serve_until(srv, 0, XR_CLIENT_FREE);
	xr_client_server_info(srv, 0, &info);
	cr_assert(strstr(info.error, "hung up") != NULL, "%s", info.error);
	xr_client_server_destroy(srv);
}

Test(client_server, router_to_client_full_is_eagain, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 1, CAP, CAP);
	cr_assert_not_null(srv);
	struct child ch = spawn(child_handshake); /* takes 2, after we fill */
	serve_until(srv, 0, XR_CLIENT_OPEN);
	struct xr_client_event fill = {.kind = XR_CEV_FILL, .signal_id = 5, .qty = 50000000,
				       .px = 5000000000000};
	struct xr_client_event res = {.kind = XR_CEV_RESULT, .signal_id = 5, .fees = 1250,
				      .final = XR_FINAL_PARTIALLY_FILLED};
	cr_assert_eq(xr_client_server_send(srv, 0, &fill), 0);
	cr_assert_eq(xr_client_server_send(srv, 0, &res), 0);
	int sent = 2;
	while (xr_client_server_send(srv, 0, &res) == 0 && sent < 10 * CAP)
		sent++;
	/* The child may have drained some meanwhile; at least CAP fitted. */
	cr_assert_geq(sent, CAP);
	cr_assert_leq(sent, CAP + 2);
	cr_assert_eq(reap(&ch), 0);
	xr_client_server_destroy(srv);
}

/* --- client -> router: full ring ------------------------------------- */

static int
child_fill(int done_wr, int go_rd)
{
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "alice");
	if (c == NULL)
		return 10;
	int n = 0;
	struct xr_client_signal s;
	for (;;) {
		s = good((uint64_t)n + 1);
		int rc = xr_client_submit(c, &s);
		if (rc == -EAGAIN)
			break;
		if (rc != 0 || n > 4 * CAP)
			return 11;
		n++;
	}
	if (xr_client_cancel(c, 1, "BTC-USD") != -EAGAIN)
		return 12;
	if (write(done_wr, "x", 1) != 1)
		return 13;
	return n == CAP ? 0 : 20 + n;
}

Test(client_server, submit_until_eagain, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 1, CAP, CAP);
	cr_assert_not_null(srv);
	struct child ch = spawn(child_fill);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	wait_child_pipe(&ch);
	cr_assert_eq(reap(&ch), 0);
	/* The child has gone; its session stays until service() sees that. */
	struct xr_msg m;
	for (uint64_t i = 1; i <= CAP; i++) {
		cr_assert_eq(xr_client_server_next(srv, 0, NULL, &m), 1);
		cr_assert_eq(m.signal_id, i);
		cr_assert_eq(m.qty, 100000000);
		cr_assert_eq(m.limit_px, 5000000000000);
	}
	cr_assert_eq(xr_client_server_next(srv, 0, NULL, &m), 0);
	xr_client_server_destroy(srv);
}

/* --- garbage record --------------------------------------------------- */

static int
child_garbage(int done_wr, int go_rd)
{
	(void)done_wr;
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "alice");
	if (c == NULL)
		return 10;
	struct xr_client_signal s = good(1);
	if (xr_client_submit(c, &s) != 0)
		return 11;
	if (xr_client_cancel(c, 1, "BTC-USD") != 0)
		return 13;
	s = good(2);
	s.side = 7; /* out of range: a refused signal, not garbage */
	if (xr_client_submit(c, &s) != 0)
		return 12;
	s = good(3);
	s.pad1[0] = 1; /* garbage */
	if (xr_client_submit(c, &s) != 0)
		return 14;
	return await_hup(c);
}

Test(client_server, garbage_record_retires_with_reason, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 1, CAP, CAP);
	cr_assert_not_null(srv);
	struct child ch = spawn(child_garbage);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	struct xr_msg m;
	int rc = 0;
	for (long i = 0; i < 1000000000L && rc == 0; i++)
		rc = xr_client_server_next(srv, 0, NULL, &m);
	cr_assert_eq(rc, 1);
	cr_assert_eq(m.signal_id, 1);
	cr_assert_eq(m.kind, XR_MSG_SIGNAL);
	rc = 0;
	for (long i = 0; i < 1000000000L && rc == 0; i++)
		rc = xr_client_server_next(srv, 0, NULL, &m);
	cr_assert_eq(rc, 1);
	cr_assert_eq(m.kind, XR_MSG_CONTROL); /* the cancel */
	cr_assert_eq(m.signal_id, 1);
	rc = 0;
	for (long i = 0; i < 1000000000L && rc == 0; i++)
		rc = xr_client_server_next(srv, 0, NULL, &m);
	cr_assert_eq(rc, 1, "an out-of-range value is a signal to reject");
	cr_assert_eq(m.signal_id, 2);
	cr_assert_eq(m.reason, XR_R_PARSE);
	for (long i = 0; i < 1000000000L && (rc = xr_client_server_next(srv, 0, NULL, &m)) == 0;
	     i++)
		;
	cr_assert_eq(rc, -EBADMSG);
	cr_assert_eq(xr_client_server_next(srv, 0, NULL, &m), -ENOTCONN, "released");
	cr_assert_geq(xr_client_server_service(srv), 1, "the owner retires what was released");
	struct xr_client_info info;
	xr_client_server_info(srv, 0, &info);
	cr_assert_eq(info.state, XR_CLIENT_FREE);
	cr_assert(strstr(info.error, "garbage record: padding: not zero") != NULL, "%s",
		  info.error);
	cr_assert_eq(xr_client_server_next(srv, 0, NULL, &m), -ENOTCONN);
	cr_assert_eq(reap(&ch), 0, "the child saw no hang-up");
	xr_client_server_destroy(srv);
}

/* --- impossible indices; a neighbour does not notice ------------------ */

static struct xr_ring *
ring_at(struct xr_client *c, uint64_t off)
{
	const struct xr_client_shm_hdr *h = xr_client_header(c);
	return (struct xr_ring *)(uintptr_t)((const unsigned char *)h + off);
}

static int
child_bad_head(int done_wr, int go_rd)
{
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "mallory");
	if (c == NULL)
		return 10;
	struct xr_ring *r = ring_at(c, xr_client_header(c)->c2r_offset);
	/* A head CAP + 5 past the router's tail of 0: impossible. */
	atomic_store_explicit(&r->prod.index, CAP + 5, memory_order_release);
	if (write(done_wr, "x", 1) != 1)
		return 11;
	return await_hup(c);
}

static int
child_bad_tail(int done_wr, int go_rd)
{
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "mallory");
	if (c == NULL)
		return 10;
	struct xr_ring *r = ring_at(c, xr_client_header(c)->r2c_offset);
	/* A tail past the router's head of 0: impossible. */
	atomic_store_explicit(&r->cons.index, 3, memory_order_release);
	if (write(done_wr, "x", 1) != 1)
		return 11;
	return await_hup(c);
}

static int
child_neighbour(int done_wr, int go_rd)
{
	(void)done_wr;
	(void)go_rd;
	struct xr_client *c = xr_client_connect(g_path, "alice");
	if (c == NULL)
		return 10;
	struct xr_client_signal s = good(1);
	if (xr_client_submit(c, &s) != 0)
		return 11;
	struct xr_client_event ev;
	if (await_events(c, &ev, 1) != 1 || ev.signal_id != 1 || ev.kind != XR_CEV_RESULT)
		return 12;
	xr_client_close(c);
	return 0;
}

static void
bad_index(child_fn bad, const char *want)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 2, CAP, CAP);
	cr_assert_not_null(srv);
	struct child good_ch = spawn(child_neighbour);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	struct child bad_ch = spawn(bad);
	serve_until(srv, 1, XR_CLIENT_OPEN);
	wait_child_pipe(&bad_ch);
	cr_assert_eq(xr_client_server_check(srv, 1), -EPROTO);
	cr_assert_geq(xr_client_server_service(srv), 1, "the owner retires what was released");
	struct xr_client_info info;
	xr_client_server_info(srv, 1, &info);
	cr_assert_eq(info.state, XR_CLIENT_FREE);
	cr_assert(strstr(info.error, want) != NULL, "%s", info.error);
	cr_assert(strstr(info.error, "mallory") != NULL, "%s", info.error);
	cr_assert_eq(reap(&bad_ch), 0, "the bad child saw no hang-up");
	/* The neighbour trades on. */
	struct xr_msg m;
	int rc = 0;
	for (long i = 0; i < 1000000000L && rc == 0; i++)
		rc = xr_client_server_next(srv, 0, NULL, &m);
	cr_assert_eq(rc, 1);
	struct xr_client_event res = {.kind = XR_CEV_RESULT, .signal_id = m.signal_id,
				      .final = XR_FINAL_FILLED};
	cr_assert_eq(xr_client_server_send(srv, 0, &res), 0);
	cr_assert_eq(reap(&good_ch), 0);
	xr_client_server_destroy(srv);
}

Test(client_server, impossible_c2r_head_retires, .init = setup)
{
	bad_index(child_bad_head, "client_to_router head is impossible");
}

Test(client_server, impossible_r2c_tail_retires, .init = setup)
{
	bad_index(child_bad_tail, "router_to_client tail is impossible");
}

/* --- two clients, two memfds ------------------------------------------ */

/* Child: report the inode of the one memfd mapped here, through done_wr. */
static int
child_report_ino(int done_wr, int go_rd)
{
	struct xr_client *c = xr_client_connect(g_path, "alice");
	if (c == NULL)
		return 10;
	FILE *f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 11;
	char line[512];
	unsigned long ino = 0;
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "memfd:xroute-client") == NULL)
			continue;
		unsigned long i;
		if (sscanf(line, "%*s %*s %*s %*s %lu", &i) != 1)
			return 12;
		if (n++ > 0 && i != ino)
			return 13; /* a second memfd mapped here */
		ino = i;
	}
	fclose(f);
	if (n == 0)
		return 14;
	uint64_t v = ino;
	if (write(done_wr, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 15;
	char b;
	if (read(go_rd, &b, 1) != 1) /* stay connected until told */
		return 16;
	xr_client_close(c);
	return 0;
}

Test(client_server, two_clients_two_memfds, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 2, CAP, CAP);
	cr_assert_not_null(srv);
	struct child a = spawn(child_report_ino);
	struct child b = spawn(child_report_ino);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	serve_until(srv, 1, XR_CLIENT_OPEN);
	struct xr_client_info ia, ib;
	xr_client_server_info(srv, 0, &ia);
	xr_client_server_info(srv, 1, &ib);
	cr_assert_neq(ia.memfd_ino, 0);
	cr_assert_neq(ia.memfd_ino, ib.memfd_ino);
	uint64_t ino_a, ino_b;
	wait_child_pipe(&a);
	wait_child_pipe(&b);
	cr_assert_eq(read(a.done_rd, &ino_a, sizeof(ino_a)), (ssize_t)sizeof(ino_a));
	cr_assert_eq(read(b.done_rd, &ino_b, sizeof(ino_b)), (ssize_t)sizeof(ino_b));
	/* Each child maps exactly one memfd: the one of a session. */
	cr_assert(ino_a == ia.memfd_ino || ino_a == ib.memfd_ino);
	cr_assert(ino_b == ia.memfd_ino || ino_b == ib.memfd_ino);
	cr_assert_neq(ino_a, ino_b);
	cr_assert_eq(write(a.go_wr, "g", 1), 1);
	cr_assert_eq(write(b.go_wr, "g", 1), 1);
	cr_assert_eq(reap(&a), 0);
	cr_assert_eq(reap(&b), 0);
	xr_client_server_destroy(srv);
}

/* --- a bad hello ------------------------------------------------------- */

static int
child_long_name(int done_wr, int go_rd)
{
	(void)done_wr;
	(void)go_rd;
	/* 31 bytes is the most; the library refuses 32 itself. */
	errno = 0;
	if (xr_client_connect(g_path, "0123456789012345678901234567890X") != NULL ||
	    errno != EINVAL)
		return 10;
	return 0;
}

Test(client_server, library_refuses_long_name, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 1, CAP, CAP);
	cr_assert_not_null(srv);
	struct child ch = spawn(child_long_name);
	cr_assert_eq(reap(&ch), 0);
	xr_client_server_destroy(srv);
}

/* --- a full router ------------------------------------------------------ */

static int
child_second(int done_wr, int go_rd)
{
	(void)done_wr;
	(void)go_rd;
	errno = 0;
	if (xr_client_connect(g_path, "bob") != NULL)
		return 10;
	return errno == EBUSY ? 0 : errno == 0 ? 11 : 20 + (errno & 63);
}

Test(client_server, full_router_refuses_with_ebusy, .init = setup)
{
	struct xr_client_server *srv = xr_client_server_create(g_path, 1, CAP, CAP);
	cr_assert_not_null(srv);
	struct child a = spawn(child_report_ino);
	serve_until(srv, 0, XR_CLIENT_OPEN);
	struct child b = spawn(child_second);
	/* Serve until b has its answer and exits (its pipe hangs up). */
	for (int i = 0; i < 1000; i++) {
		struct pollfd fds[9];
		int n = xr_client_server_pollfds(srv, fds, 8);
		fds[n] = (struct pollfd){.fd = b.done_rd, .events = POLLIN};
		cr_assert_geq(poll(fds, (nfds_t)n + 1, 10000), 1);
		if (fds[n].revents != 0)
			break;
		cr_assert_geq(xr_client_server_service(srv), 0);
	}
	int rb = reap(&b);
	cr_assert_eq(rb, 0, "the second client was not refused with EBUSY (child status %d)", rb);
	struct xr_client_info info;
	xr_client_server_info(srv, 0, &info);
	cr_assert_eq(info.state, XR_CLIENT_OPEN); /* the first one trades on */
	wait_child_pipe(&a);
	cr_assert_eq(write(a.go_wr, "g", 1), 1);
	cr_assert_eq(reap(&a), 0);
	xr_client_server_destroy(srv);
}
