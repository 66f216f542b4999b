/*
 * A simulated venue behind a FIX acceptor (xr_fix_venue.h states the
 * messages, the store and the log): create and destroy, the store files
 * (DIR/seq, DIR/messages, DIR/ids), the session's plumbing, the sim's
 * poll, the refusal of a second connection and the log's lines. The
 * messages and the order table are fix_venue_orders.c.
 */
#include "fix_venue_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix_seq_pvt.h"
#include "xr_fix_store.h"
#include "../sim/xr_sim.h"
#include "../sim/xr_sim_config.h"
#include "xr_types.h"

/* Messages the venue keeps for resends: a day's worth at a test's pace
 * (64 MiB of 1 KiB slots), so a router away for a while gets every report
 * back rather than a GapFill over evicted ones. */
#define XR__VENUE_STORE_SLOTS 65536u

/* ------------------------------------------------------------------ log */

static const char xr__log_header[] =
	"unix_ns,event,clordid,orig_clordid,order_id,symbol,side,qty,price,last_qty,last_px,"
	"cum_qty,leaves_qty,ord_status,detail\n";

/* Fixed point @p v with 8 places at most, or nothing if @p v < 0. */
static void
xr__log_fixed(FILE *f, int64_t v)
{
	char b[32];

	if (v < 0)
		return;
	xr_fixed_format(b, v, 8);
	fputs(b, f);
}

/* A CSV field: quoted if it holds a comma, a quote or a line break. */
static void
xr__log_str(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('"', f);
}

void
xr__venue_log(struct xr_fix_venue *v, uint64_t now, const char *event, const struct xr__vorder *o,
	      const char *clordid, const char *orig, int64_t last_qty, int64_t last_px,
	      const char *detail)
{
	FILE *f = v->log;

	if (f == NULL)
		return;
	fprintf(f, "%llu,%s,", (unsigned long long)(now + (uint64_t)v->wall_offset_ns), event);
	xr__log_str(f, clordid != NULL ? clordid : o != NULL ? o->clordid : NULL);
	fputc(',', f);
	xr__log_str(f, orig);
	fputc(',', f);
	if (o != NULL && o->order_no != 0)
		fprintf(f, "%llu", (unsigned long long)o->order_no);
	fputc(',', f);
	if (o != NULL && o->known_symbol)
		xr__log_str(f, v->cfg->symbols[o->symbol]);
	fputc(',', f);
	if (o != NULL)
		fputs(o->side == '1' ? "buy" : o->side == '2' ? "sell" : "", f);
	fputc(',', f);
	xr__log_fixed(f, o != NULL && o->qty > 0 ? o->qty : -1);
	fputc(',', f);
	xr__log_fixed(f, o != NULL && o->px > 0 ? o->px : -1);
	fputc(',', f);
	xr__log_fixed(f, last_qty);
	fputc(',', f);
	xr__log_fixed(f, last_px);
	fputc(',', f);
	/* Totals of an order the venue took (not of one refused or still
	 * being decided). */
	bool taken = o != NULL && o->order_no != 0;
	xr__log_fixed(f, taken ? o->cum_qty : -1);
	fputc(',', f);
	xr__log_fixed(f, taken ? (o->open && o->qty > o->cum_qty ? o->qty - o->cum_qty : 0) : -1);
	fputc(',', f);
	if (o != NULL && o->ord_status != 0)
		fputc(o->ord_status, f);
	fputc(',', f);
	xr__log_str(f, detail);
	fputc('\n', f);
	fflush(f);
}

void
xr_fix_venue_log_session(struct xr_fix_venue *v, const char *detail, uint64_t now_ns)
{
	xr__venue_log(v, now_ns, "session", NULL, NULL, NULL, -1, -1, detail);
}

/* ------------------------------------------------------------------ files */

/* Open (or create) DIR/ids and map it. @return 0, or -1 with @p why. */
static int
xr__ids_open(struct xr_fix_venue *v, const char *path, char *why, size_t why_len)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(why, why_len, "in use by another process (%s)", strerror(errno));
		close(fd);
		return -1;
	}
	if (fstat(fd, &sb) != 0 ||
	    (sb.st_size != 0 && sb.st_size != (off_t)sizeof(struct xr__venue_ids)) ||
	    (sb.st_size == 0 && ftruncate(fd, sizeof(struct xr__venue_ids)) != 0)) {
		snprintf(why, why_len, "not an ids file (%lld bytes, expected %zu)",
			 (long long)sb.st_size, sizeof(struct xr__venue_ids));
		close(fd);
		return -1;
	}
	void *p = mmap(NULL, sizeof(struct xr__venue_ids), PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "mmap: %s", strerror(errno));
		close(fd);
		return -1;
	}
	struct xr__venue_ids *ids = p;
	if (sb.st_size != 0 && ids->magic != XR__VENUE_IDS_MAGIC) {
		snprintf(why, why_len, "not an ids file (bad magic)");
		munmap(p, sizeof(*ids));
		close(fd);
		return -1;
	}
	if (sb.st_size == 0)
		*ids = (struct xr__venue_ids){ .magic = XR__VENUE_IDS_MAGIC, .next_order = 1,
					       .next_exec = 1 };
	v->ids = ids;
	v->ids_fd = fd;
	return 0;
}

/* The store files of @p dir. @return 0, or -EINVAL with err filled. */
static int
xr__open_store(struct xr_fix_venue *v, const char *dir, char *err, size_t err_len)
{
	char path[512], why[256];

	snprintf(path, sizeof(path), "%s/seq", dir);
	if (xr__fix_seq_open(path, &v->seq_fd, &v->seq, why, sizeof(why)) != 0) {
		snprintf(err, err_len, "store %s: %s", path, why);
		v->seq = NULL;
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/messages", dir);
	if (xr_fix_store_open(path, XR__VENUE_STORE_SLOTS, &v->store, why, sizeof(why)) != 0) {
		snprintf(err, err_len, "store %s", why);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/ids", dir);
	if (xr__ids_open(v, path, why, sizeof(why)) != 0) {
		snprintf(err, err_len, "store %s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ create */

struct xr_fix_venue *
xr_fix_venue_create(const struct xr_config *cfg, unsigned venue,
		    const struct xr_fix_venue_opts *opts, char *err, size_t err_len)
{
	struct xr_fix_venue *v;
	const struct xr_venue_cfg *vc;

	if (cfg == NULL || venue >= cfg->n_venues) {
		snprintf(err, err_len, "venue %u: no such venue", venue);
		return NULL;
	}
	vc = &cfg->venues[venue];
	if (xr_sim_venue_cfg(vc) == NULL) {
		snprintf(err, err_len, "[venue %s] (line %u): connector is %s; sim-venue needs "
			 "connector = sim", vc->name, vc->line, vc->connector);
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		snprintf(err, err_len, "venue %s: out of memory", vc->name);
		return NULL;
	}
	v->cfg = cfg;
	v->venue = venue;
	v->seq_fd = v->ids_fd = -1;
	v->log = opts->log;
	v->wall_offset_ns = opts->wall_offset_ns;
	if (xr_sim_create(cfg, venue, &v->sim, err, err_len) != 0)
		goto fail;
	for (uint32_t b = 0; b < vc->n_books; b++)
		v->listed[vc->books[b].symbol] = 1;
	v->cap = vc->max_open_orders > XR__VENUE_MIN_ORDERS / 4 ? 4 * vc->max_open_orders
							       : XR__VENUE_MIN_ORDERS;
	v->o = calloc(v->cap, sizeof(*v->o));
	v->s = malloc(xr_fix_session_size(0));
	if (v->o == NULL || v->s == NULL || xr_u64map_init(&v->by_clordid, v->cap, 4) != 0 ||
	    xr_u64map_init(&v->by_no, v->cap, 4) != 0) {
		snprintf(err, err_len, "venue %s: out of memory", vc->name);
		goto fail;
	}
	if (opts->store_dir != NULL) {
		if (xr__open_store(v, opts->store_dir, err, err_len) != 0)
			goto fail;
	} else {
		/* No store directory: the messages still go to a store, in an
		 * unlinked temporary file, so resends work for the process's
		 * life; MsgSeqNums and ids are in memory. */
		char path[] = "/tmp/xr-sim-venue-messages-XXXXXX", why[256];
		int tfd = mkstemp(path);
		if (tfd < 0) {
			snprintf(err, err_len, "venue %s: temporary message store %s: %s", vc->name,
				 path, strerror(errno));
			goto fail;
		}
		close(tfd); /* ours and empty: the store sizes it */
		int rc = xr_fix_store_open(path, XR__VENUE_STORE_SLOTS, &v->store, why, sizeof(why));
		unlink(path);
		if (rc != 0) {
			snprintf(err, err_len, "venue %s: temporary message store %s", vc->name, why);
			goto fail;
		}
		v->seq = &v->mem_seq;
		v->mem_ids = (struct xr__venue_ids){ .magic = XR__VENUE_IDS_MAGIC, .next_order = 1,
						     .next_exec = 1 };
		v->ids = &v->mem_ids;
	}
	struct xr_fix_session_cfg sc = {
		.version = opts->version,
		.role = XR_FIX_ROLE_ACCEPTOR,
		.heartbeat_s = 30,
		.logon_timeout_ns = UINT64_C(10000000000),
		.logout_timeout_ns = UINT64_C(2000000000),
	};
	snprintf(sc.sender, sizeof(sc.sender), "%s", opts->comp_id);
	snprintf(sc.target, sizeof(sc.target), "%s", opts->peer_comp_id);
	if (xr_fix_session_init(v->s, &sc, v->seq, &xr__venue_session_ops, v) != 0) {
		snprintf(err, err_len, "venue %s: bad session settings (CompIDs \"%s\", \"%s\": "
			 "1..%d characters; BeginString)", vc->name, opts->comp_id,
			 opts->peer_comp_id, XR_FIX_COMPID_MAX);
		goto fail;
	}
	xr_fix_session_set_clock(v->s, opts->wall_offset_ns);
	xr_fix_session_set_store(v->s, v->store);
	if (v->log != NULL && ftell(v->log) == 0) {
		fputs(xr__log_header, v->log);
		fflush(v->log);
	}
	return v;
fail:
	xr_fix_venue_destroy(v);
	return NULL;
}

void
xr_fix_venue_destroy(struct xr_fix_venue *v)
{
	if (v == NULL)
		return;
	xr_connector_destroy(&v->sim);
	xr_fix_store_close(v->store);
	xr__fix_seq_close(v->seq_fd, v->seq != &v->mem_seq ? v->seq : NULL);
	if (v->ids != NULL && v->ids != &v->mem_ids) {
		msync(v->ids, sizeof(*v->ids), MS_SYNC);
		munmap(v->ids, sizeof(*v->ids));
	}
	if (v->ids_fd >= 0)
		close(v->ids_fd);
	xr_u64map_fini(&v->by_clordid);
	xr_u64map_fini(&v->by_no);
	free(v->o);
	free(v->s);
	free(v);
}

/* ------------------------------------------------------------------ run */

struct xr_fix_session *
xr_fix_venue_session(struct xr_fix_venue *v)
{
	return v->s;
}

void
xr_fix_venue_connected(struct xr_fix_venue *v, uint64_t now_ns)
{
	xr_fix_session_connected(v->s, now_ns);
}

void
xr_fix_venue_disconnected(struct xr_fix_venue *v, uint64_t now_ns)
{
	xr_fix_session_disconnected(v->s, now_ns);
}

uint32_t
xr_fix_venue_input(struct xr_fix_venue *v, uint64_t now_ns, uint32_t max_msgs)
{
	return xr_fix_session_input(v->s, now_ns, max_msgs);
}

uint32_t
xr_fix_venue_poll(struct xr_fix_venue *v, uint64_t now_ns)
{
	uint32_t total = 0, n;

	if (v->s->state != XR_FIX_S_DOWN)
		xr_fix_session_tick(v->s, now_ns);
	do {
		n = v->sim.ops->poll(v->sim.ctx, now_ns, v->ev, XR__VENUE_EV);
		for (uint32_t i = 0; i < n; i++)
			xr__venue_on_event(v, &v->ev[i], now_ns);
		total += n;
	} while (n == XR__VENUE_EV);
	return total;
}

uint64_t
xr_fix_venue_next_due_ns(const struct xr_fix_venue *v)
{
	return xr_sim_next_due_ns(&v->sim);
}

size_t
xr_fix_venue_refusal(struct xr_fix_venue *v, char *buf, size_t cap, const char *text,
		     uint64_t now_ns)
{
	const struct xr_fix_session *s = v->s;
	struct xr_fix_writer w;
	const char *out;
	size_t len;

	if (cap < 256)
		return 0;
	xr_fix_begin(&w, buf, cap, (enum xr_fix_version)s->cfg.version, "5");
	xr_fix_put_str(&w, 49, s->cfg.sender, strlen(s->cfg.sender));
	xr_fix_put_str(&w, 56, s->cfg.target, strlen(s->cfg.target));
	xr_fix_put_u64(&w, 34, s->seq->next_out);
	xr_fix_put_time(&w, 52, now_ns + (uint64_t)v->wall_offset_ns);
	xr_fix_put_str(&w, 58, text, strlen(text));
	if (xr_fix_finish(&w, &out, &len) != 0)
		return 0;
	memmove(buf, out, len);
	xr__venue_log(v, now_ns, "session", NULL, NULL, NULL, -1, -1, text);
	return len;
}

void
xr_fix_venue_stats(const struct xr_fix_venue *v, struct xr_fix_venue_stats *st)
{
	*st = v->st;
}
