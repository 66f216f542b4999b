/*
 * xroute sim-venue: the sim venue of a config's [venue NAME] section as a
 * process of its own, behind a FIX acceptor, so that a venue outlives the
 * router as a real one does (docs/connectors.md "xroute sim-venue").
 *
 *   xroute sim-venue -c CONFIG --venue NAME --listen [HOST:]PORT
 *                    [--port-file F] [--begin-string FIX.4.2|FIX.4.4]
 *                    [--comp-id ID] [--peer-comp-id ID] [--store DIR]
 *                    [--log FILE]
 *
 * This file is the process: options, the listening socket, one connection
 * at a time (a second one, while one is open, gets a Logout and is
 * closed), the loop and the signals. The FIX side of the venue is
 * connectors/fix/xr_fix_venue.h.
 *
 * DESIGN
 *   One thread. Each turn: poll() on the listener and the connection for
 *   at most 50 ms, or less when the sim has an event due sooner; then
 *   accept, read, process the input, run the venue (session timers, sim
 *   events), write what the session queued. Nothing stops when the
 *   connection goes: resting orders keep resting and expiring, and their
 *   reports are stored for the next session's ResendRequest.
 *   SIGTERM and SIGINT set a flag; the loop then logs out (waiting up to
 *   2 s for the counterparty's Logout) and exits 0.
 *
 * Exit status: 0 after SIGTERM/SIGINT; 1 a socket or file error while
 * running; 2 usage, configuration or store error (the message names the
 * file, section or option).
 */
#include "sim_venue.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xr_clock.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_fix_venue.h"

/* Set by SIGTERM/SIGINT, read by the loop (static storage: a signal at any
 * time touches nothing that is freed). */
static atomic_int xr__sv_stop;

static void
xr__sv_on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&xr__sv_stop, 1, memory_order_relaxed);
}

static void
xr__sv_usage(FILE *out)
{
	fprintf(out,
		"usage: xroute sim-venue -c CONFIG --venue NAME --listen [HOST:]PORT\n"
		"                        [--port-file F] [--begin-string FIX.4.2|FIX.4.4]\n"
		"                        [--comp-id ID] [--peer-comp-id ID] [--store DIR]\n"
		"                        [--log FILE]\n"
		"\n"
		"  Runs the sim venue [venue NAME] of CONFIG (connector = sim) as a FIX\n"
		"  acceptor on HOST (default 127.0.0.1) and PORT (0: any free port, written\n"
		"  to --port-file). --comp-id is its SenderCompID (default NAME upper-cased),\n"
		"  --peer-comp-id the initiator's (default XROUTE); --store DIR keeps its\n"
		"  MsgSeqNums, sent messages and OrderID/ExecID counters across restarts;\n"
		"  --log FILE is the venue's CSV order log. SIGTERM/SIGINT: Logout, exit 0.\n");
}

/* The state of the process. */
struct xr__sv {
	struct xr_fix_venue *v;
	struct xr_fix_session *s;
	int lfd, cfd;
	char peer[64];
};

/* Listen on [HOST:]PORT. @return the socket, or -1 with a message. */
static int
xr__sv_listen(const char *spec, unsigned *port_out)
{
	char host[256] = "127.0.0.1", port[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	int one = 1;

	if (colon != NULL) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		spec = colon + 1;
	}
	char *end;
	unsigned long p = strtoul(spec, &end, 10);
	if (*spec == '\0' || *end != '\0' || p > 65535) {
		fprintf(stderr, "xroute sim-venue: --listen: \"%s\" is not a TCP port (0..65535)\n",
			spec);
		return -1;
	}
	snprintf(port, sizeof(port), "%lu", p);
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "xroute sim-venue: --listen: host %s: %s\n", host,
			gai_strerror(gai));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 8) != 0) {
		fprintf(stderr, "xroute sim-venue: --listen %s:%s: %s\n", host, port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port_out = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
					     : ntohs(((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

/* Write @p port to @p path (through a temporary file and rename, so a
 * reader never sees it half written). @return 0 or -1 with a message. */
static int
xr__sv_port_file(const char *path, unsigned port)
{
	char tmp[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "xroute sim-venue: --port-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write what tx holds, as far as the socket takes it; false if the
 * connection broke. */
static bool
xr__sv_flush(struct xr__sv *p)
{
	struct xr_fix_session *s = p->s;
	uint32_t off = 0;
	bool ok = true;

	while (off < s->tx_len) {
		ssize_t n = send(p->cfd, s->tx + off, s->tx_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (uint32_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		ok = false;
		break;
	}
	if (off > 0) {
		memmove(s->tx, s->tx + off, s->tx_len - off);
		s->tx_len -= off;
	}
	return ok;
}

static void
xr__sv_close(struct xr__sv *p, const char *why, uint64_t now)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "disconnect %s: %s", p->peer, why);
	xr_fix_venue_log_session(p->v, detail, now);
	close(p->cfd);
	p->cfd = -1;
	xr_fix_venue_disconnected(p->v, now);
}

/* Read what the connection has; false if it ended. */
static bool
xr__sv_read(struct xr__sv *p, uint64_t now)
{
	struct xr_fix_session *s = p->s;

	while (s->rx_len < s->rx_cap) {
		ssize_t n = recv(p->cfd, s->rx + s->rx_len, s->rx_cap - s->rx_len, MSG_DONTWAIT);
		if (n > 0) {
			s->rx_len += (uint32_t)n;
			while (xr_fix_venue_input(p->v, now, 256) > 0)
				;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return true;
		return false;
	}
	while (xr_fix_venue_input(p->v, now, 256) > 0)
		;
	return true;
}

/* A connection came: the first one becomes the session's, a second one
 * while it lasts is refused. */
static void
xr__sv_accept(struct xr__sv *p, uint64_t now)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int one = 1;
	int fd = accept4(p->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char host[48] = "?", serv[16] = "?";

	if (fd < 0)
		return;
	getnameinfo((struct sockaddr *)&sa, sl, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	if (p->cfd >= 0) {
		char buf[512], text[200];
		snprintf(text, sizeof(text), "refused connection from %s:%s: a session is live (%s)",
			 host, serv, p->peer);
		size_t len = xr_fix_venue_refusal(p->v, buf, sizeof(buf), text, now);
		if (len > 0 && send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			(void)0;
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->cfd = fd;
	snprintf(p->peer, sizeof(p->peer), "%s:%s", host, serv);
	char detail[96];
	snprintf(detail, sizeof(detail), "connect %s", p->peer);
	xr_fix_venue_log_session(p->v, detail, now);
	xr_fix_venue_connected(p->v, now);
}

/* One turn of the loop, waiting at most @p wait_ms. */
static void
xr__sv_turn(struct xr__sv *p, int wait_ms)
{
	struct pollfd fds[2] = { { .fd = p->lfd, .events = POLLIN },
				 { .fd = p->cfd, .events = POLLIN } };
	nfds_t nf = p->cfd >= 0 ? 2 : 1;

	if (p->cfd >= 0 && p->s->tx_len > 0)
		fds[1].events |= POLLOUT;
	if (poll(fds, nf, wait_ms) < 0 && errno != EINTR)
		return;
	uint64_t now = xr_now_ns();
	if (fds[0].revents & POLLIN)
		xr__sv_accept(p, now);
	if (p->cfd >= 0 && nf == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !xr__sv_read(p, now)) {
		xr__sv_close(p, "closed by the peer", now);
	}
	xr_fix_venue_poll(p->v, now);
	if (p->cfd >= 0) {
		if (!xr__sv_flush(p)) {
			xr__sv_close(p, strerror(errno), now);
		} else if (p->s->want_close) {
			xr__sv_close(p, "session ended", now);
		}
	}
}

/* Milliseconds to wait: until the sim's next event, at most 50. */
static int
xr__sv_wait_ms(const struct xr__sv *p)
{
	uint64_t due = xr_fix_venue_next_due_ns(p->v), now = xr_now_ns();

	if (due == UINT64_MAX || due > now + 50000000u)
		return 50;
	return due <= now ? 0 : (int)((due - now) / 1000000u) + 1;
}

int
xr_sim_venue_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "venue", required_argument, NULL, 'v' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "begin-string", required_argument, NULL, 'b' },
		{ "comp-id", required_argument, NULL, 'i' },
		{ "peer-comp-id", required_argument, NULL, 'P' },
		{ "store", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *venue = NULL, *listen_at = NULL, *port_file = NULL;
	const char *comp = NULL, *peer = "XROUTE", *store = NULL, *log_path = NULL;
	struct xr_fix_venue_opts o = { .version = XR_FIX_44 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'v': venue = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'p': port_file = optarg; break;
		case 'b':
			if (strcmp(optarg, "FIX.4.2") == 0) {
				o.version = XR_FIX_42;
			} else if (strcmp(optarg, "FIX.4.4") == 0) {
				o.version = XR_FIX_44;
			} else {
				fprintf(stderr, "xroute sim-venue: --begin-string: \"%s\" is not "
					"FIX.4.2 or FIX.4.4\n", optarg);
				return 2;
			}
			break;
		case 'i': comp = optarg; break;
		case 'P': peer = optarg; break;
		case 's': store = optarg; break;
		case 'L': log_path = optarg; break;
		case 'h': xr__sv_usage(stdout); return 0;
		default: xr__sv_usage(stderr); return 2;
		}
	}
	if (config == NULL || venue == NULL || listen_at == NULL || optind < argc) {
		fprintf(stderr, "xroute sim-venue: %s\n",
			optind < argc ? "unexpected argument" : "-c, --venue and --listen are required");
		xr__sv_usage(stderr);
		return 2;
	}

	char err[512];
	struct xr_config *cfg = xr_config_load(config, xr_connector_schemas, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "xroute sim-venue: %s\n", err);
		return 2;
	}
	unsigned vi = 0;
	while (vi < cfg->n_venues && strcmp(cfg->venues[vi].name, venue) != 0)
		vi++;
	if (vi == cfg->n_venues) {
		fprintf(stderr, "xroute sim-venue: %s: no [venue %s] section (venues:", config, venue);
		for (unsigned i = 0; i < cfg->n_venues; i++)
			fprintf(stderr, " %s", cfg->venues[i].name);
		fprintf(stderr, ")\n");
		xr_config_free(cfg);
		return 2;
	}
	size_t k = 0;
	for (; comp == NULL && venue[k] != '\0' && k < XR_FIX_COMPID_MAX; k++)
		o.comp_id[k] = (char)(venue[k] >= 'a' && venue[k] <= 'z' ? venue[k] - 32 : venue[k]);
	if (comp != NULL)
		snprintf(o.comp_id, sizeof(o.comp_id), "%s", comp);
	snprintf(o.peer_comp_id, sizeof(o.peer_comp_id), "%s", peer);
	o.store_dir = store;
	o.wall_offset_ns = xr_fix_wall_offset_ns();
	if (store != NULL && mkdir(store, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "xroute sim-venue: --store %s: %s\n", store, strerror(errno));
		xr_config_free(cfg);
		return 2;
	}
	FILE *log = NULL;
	if (log_path != NULL && (log = fopen(log_path, "a")) == NULL) {
		fprintf(stderr, "xroute sim-venue: --log %s: %s\n", log_path, strerror(errno));
		xr_config_free(cfg);
		return 2;
	}
	o.log = log;
	struct xr__sv p = { .lfd = -1, .cfd = -1 };
	p.v = xr_fix_venue_create(cfg, vi, &o, err, sizeof(err));
	if (p.v == NULL) {
		fprintf(stderr, "xroute sim-venue: %s: %s\n", config, err);
		if (log != NULL)
			fclose(log);
		xr_config_free(cfg);
		return 2;
	}
	p.s = xr_fix_venue_session(p.v);
	unsigned port = 0;
	p.lfd = xr__sv_listen(listen_at, &port);
	int status = 0;
	if (p.lfd < 0 || (port_file != NULL && xr__sv_port_file(port_file, port) != 0)) {
		status = 2;
		goto out;
	}
	struct sigaction sa = { .sa_handler = xr__sv_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "xroute sim-venue: venue %s (%s -> %s, %s) listening on port %u\n", venue,
		o.comp_id, o.peer_comp_id, o.version == XR_FIX_44 ? "FIX.4.4" : "FIX.4.2", port);

	while (!atomic_load_explicit(&xr__sv_stop, memory_order_relaxed))
		xr__sv_turn(&p, xr__sv_wait_ms(&p));

	/* Stop: Logout and wait for the answer, at most the logout timeout. */
	uint64_t now = xr_now_ns();
	if (p.cfd >= 0 && p.s->state == XR_FIX_S_ACTIVE) {
		xr_fix_session_logout(p.s, "venue shutting down", now);
		uint64_t until = now + UINT64_C(2000000000);
		while (p.cfd >= 0 && (now = xr_now_ns()) < until)
			xr__sv_turn(&p, 10);
	}
	if (p.cfd >= 0)
		xr__sv_close(&p, "venue shutting down", xr_now_ns());
	xr_fix_venue_log_session(p.v, "stopped", xr_now_ns());
out:
	if (p.lfd >= 0)
		close(p.lfd);
	xr_fix_venue_destroy(p.v);
	if (log != NULL)
		fclose(log);
	xr_config_free(cfg);
	return status;
}
