/*
 * journal_recover: what a crashed run left, read back from the journal
 * (journal_pvt.h "RECOVERY", docs/journal.md "Recovery").
 *
 * A run that ends cleanly ends every order it had (the drain), so what
 * matters after a crash is the session: every run since the last one that
 * exited cleanly. From its rows:
 *   open parents   the latest signals row of each (source, client_id)
 *                  without a results row for any row of that pair; with
 *                  their decision, children and each child's reports;
 *   outcomes       each (source, client_id) that has a result: what a
 *                  re-submitted signal_id is answered with;
 *   positions      the net fills per (user, venue, symbol);
 *   next order id  one past every order_id of the journal.
 * A name the config no longer has (user, symbol, venue) in anything open
 * or in a position is an error naming it: the operator puts it back (or
 * settles it by hand), xroute never guesses.
 */
#include "journal_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xr_journal_db.h"

static int
xr__rerr(struct xr_journal *j, char *err, size_t err_len, const char *what)
{
	snprintf(err, err_len, "journal %s: recovery: %s: %s", j->cfg->journal.path, what,
		 sqlite3_errmsg(xr_jdb_handle(j->db)));
	return -EIO;
}

static int
xr__grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	uint32_t c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, (size_t)c * size);
	if (q == NULL)
		return -ENOMEM;
	memset((char *)q + (size_t)*cap * size, 0, (size_t)(c - *cap) * size);
	*p = q;
	*cap = c;
	return 0;
}

/* Enum names back to values (the journal stores xroute's names). */
static int
xr__side(const char *s)
{
	return strcmp(s, "buy") == 0 ? XR_SIDE_BUY : XR_SIDE_SELL;
}

static int
xr__enum(const char *(*name)(int), int max, const char *w)
{
	for (int i = 0; i < max; i++)
		if (strcmp(name(i), w) == 0)
			return i;
	return 0;
}

static const char *
xr__ot_name(int v)
{
	return xr_ord_type_name((enum xr_ord_type)v);
}

static const char *
xr__tif_name(int v)
{
	return xr_tif_name((enum xr_tif)v);
}

static const char *
xr__st_name(int v)
{
	return xr_signal_type_name((enum xr_signal_type)v);
}

static const char *
xr__strat_name(int v)
{
	return xr_strategy_name((enum xr_strategy)v);
}

static const char *
xr__method_name(int v)
{
	return xr_method_name((enum xr_method)v);
}

static const char *
xr__final_name(int v)
{
	return xr_final_name((enum xr_final)v);
}

static const char *
xr__reason_name(int v)
{
	return xr_reason_name((enum xr_reason)v);
}

static const char *
xr__text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t != NULL ? (const char *)t : "";
}

/* Resolve the user, symbol and venue names of row @p what. */
static int
xr__ids(struct xr_journal *j, const char *user, const char *symbol, const char *venue,
	uint32_t *u, uint16_t *sym, uint8_t *v, const char *what, char *err, size_t err_len)
{
	int iu = xr_config_user_id(j->cfg, user), is = xr_config_symbol_id(j->cfg, symbol);
	int iv = venue != NULL ? xr_config_venue_id(j->cfg, venue) : 0;

	if (iu < 0 || is < 0 || iv < 0) {
		snprintf(err, err_len,
			 "journal %s: recovery: %s names %s \"%s\", which %s no longer has; put "
			 "it back to recover it (nothing was changed)",
			 j->cfg->journal.path, what, iu < 0 ? "user" : is < 0 ? "symbol" : "venue",
			 iu < 0 ? user : is < 0 ? symbol : venue, j->cfg->path);
		return -ENOENT;
	}
	*u = (uint32_t)iu;
	*sym = (uint16_t)is;
	if (v != NULL)
		*v = (uint8_t)iv;
	return 0;
}

static int
xr__prepare(struct xr_journal *j, sqlite3_stmt **s, const char *sql, char *err, size_t err_len)
{
	if (sqlite3_prepare_v2(xr_jdb_handle(j->db), sql, -1, s, NULL) != SQLITE_OK)
		return xr__rerr(j, err, err_len, sql);
	return 0;
}

/* The children of open parent @p pi and their reports. */
static int
xr__children(struct xr_journal *j, struct xr_jrecovery *r, uint32_t pi, sqlite3_stmt *cs,
	     sqlite3_stmt *rs, char *err, size_t err_len)
{
	struct xr_jrec_parent *p = &r->parents[pi];
	int rc;

	sqlite3_reset(cs);
	sqlite3_bind_text(cs, 1, p->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(cs, 2, (sqlite3_int64)p->client_id);
	sqlite3_bind_int64(cs, 3, r->since_run);
	while ((rc = sqlite3_step(cs)) == SQLITE_ROW) {
		if (xr__grow((void **)&r->children, &r->cap_children, r->n_children + 1,
			     sizeof(*r->children)) != 0)
			return -ENOMEM;
		struct xr_jrec_child *c = &r->children[r->n_children];
		struct xr_msg *m = &c->c;
		*m = p->sig;
		m->kind = XR_MSG_CHILD;
		m->cl_ord_id = (uint64_t)sqlite3_column_int64(cs, 0);
		char what[96];
		snprintf(what, sizeof(what), "open child order ClOrdID %" PRIu64, m->cl_ord_id);
		uint32_t u;
		uint16_t sym;
		if ((rc = xr__ids(j, p->user, p->symbol, xr__text(cs, 1), &u, &sym, &m->venue, what,
				  err, err_len)) != 0)
			return rc;
		m->ord_type = (uint8_t)xr__enum(xr__ot_name, 2, xr__text(cs, 2));
		m->tif = (uint8_t)xr__enum(xr__tif_name, 4, xr__text(cs, 3));
		m->qty = sqlite3_column_int64(cs, 4);
		m->limit_px = sqlite3_column_int64(cs, 5);
		m->child_idx = (uint8_t)sqlite3_column_int(cs, 6);
		m->attempts = (uint8_t)sqlite3_column_int(cs, 7);
		c->parent = pi;
		/* Its reports: fills so far, ended or not, acknowledged. */
		sqlite3_reset(rs);
		sqlite3_bind_int64(rs, 1, (sqlite3_int64)m->cl_ord_id);
		if (sqlite3_step(rs) != SQLITE_ROW)
			return xr__rerr(j, err, err_len, "reading a child's reports");
		c->cum = sqlite3_column_int64(rs, 0);
		c->notional = sqlite3_column_int64(rs, 1);
		c->fees = sqlite3_column_int64(rs, 2);
		c->ended = sqlite3_column_int(rs, 3) != 0;
		c->acked = sqlite3_column_int(rs, 4) != 0;
		p->cum += c->cum;
		p->notional += c->notional;
		p->fees += c->fees;
		p->venue_mask |= UINT64_C(1) << m->venue;
		r->n_children++;
	}
	return rc == SQLITE_DONE ? 0 : xr__rerr(j, err, err_len, "reading children");
}

/*
 * Which children of parent @p pi count: per child_idx its latest attempt
 * (an earlier one ended and was sent again); one that ended is done; a
 * parent's n_children is its distinct child_idx (a child never journaled
 * was never sent, so it is not there to wait for).
 */
static void
xr__settle(struct xr_jrecovery *r, uint32_t pi, uint32_t first)
{
	struct xr_jrec_parent *p = &r->parents[pi];

	for (uint32_t i = first; i < r->n_children; i++) {
		struct xr_jrec_child *c = &r->children[i];
		c->superseded = false;
		for (uint32_t k = first; k < r->n_children; k++)
			if (k != i && r->children[k].c.child_idx == c->c.child_idx &&
			    r->children[k].c.attempts > c->c.attempts)
				c->superseded = true;
		if (c->superseded)
			continue;
		p->n_children++;
		p->done += c->ended;
	}
	for (uint32_t i = first; i < r->n_children; i++)
		r->children[i].c.n_children = (uint8_t)p->n_children;
}

static int
xr__parents(struct xr_journal *j, struct xr_jrecovery *r, char *err, size_t err_len)
{
	sqlite3_stmt *ps = NULL, *ds = NULL, *cs = NULL, *rs = NULL;
	int rc = xr__prepare(
		j, &ps,
		"SELECT s.source, s.client_id, s.user, s.symbol, s.side, s.ord_type, s.tif, "
		"s.signal_type, s.strategy, s.qty, s.limit_px, s.max_slippage_bps, s.ts_ns "
		"FROM signals s WHERE s.run > ?1 AND s.rowid = (SELECT MAX(s2.rowid) FROM signals "
		"s2 WHERE s2.source = s.source AND s2.client_id = s.client_id AND s2.run > ?1) "
		"AND NOT EXISTS (SELECT 1 FROM signals s3 JOIN results x ON x.run = s3.run AND "
		"x.signal_id = s3.signal_id WHERE s3.source = s.source AND s3.client_id = "
		"s.client_id AND s3.run > ?1) ORDER BY s.rowid",
		err, err_len);
	if (rc == 0)
		rc = xr__prepare(j, &ds,
				 "SELECT d.order_id, d.method, d.decision, d.exp_px, d.arrival_px "
				 "FROM decisions d JOIN signals s ON d.run = s.run AND d.signal_id = "
				 "s.signal_id WHERE s.source = ?1 AND s.client_id = ?2 AND s.run > ?3 "
				 "LIMIT 1",
				 err, err_len);
	if (rc == 0)
		rc = xr__prepare(j, &cs,
				 "SELECT c.cl_ord_id, c.venue, c.ord_type, c.tif, c.qty, c.limit_px, "
				 "c.child_idx, c.attempt FROM children c JOIN signals s ON c.signal_id "
				 "= s.signal_id AND c.run >= s.run WHERE s.source = ?1 AND s.client_id "
				 "= ?2 AND s.run > ?3 ORDER BY c.rowid",
				 err, err_len);
	if (rc == 0)
		rc = xr__prepare(j, &rs,
				 "SELECT COALESCE(SUM(last_qty), 0), COALESCE(SUM(last_notional), 0), "
				 "COALESCE(SUM(last_fees), 0), COALESCE(MAX(leaves_qty = 0 AND "
				 "ord_status != 'none'), 0), COALESCE(MAX(kind = 'report' AND "
				 "ord_status IN ('new', 'partially_filled', 'filled')), 0) FROM "
				 "reports WHERE cl_ord_id = ?1",
				 err, err_len);
	if (rc != 0)
		goto out;
	sqlite3_bind_int64(ps, 1, r->since_run);
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		if (xr__grow((void **)&r->parents, &r->cap_parents, r->n_parents + 1,
			     sizeof(*r->parents)) != 0) {
			rc = -ENOMEM;
			goto out;
		}
		uint32_t pi = r->n_parents;
		struct xr_jrec_parent *p = &r->parents[pi];
		struct xr_msg *m = &p->sig;
		memset(p, 0, sizeof(*p));
		snprintf(p->source, sizeof(p->source), "%s", xr__text(ps, 0));
		p->client_id = (uint64_t)sqlite3_column_int64(ps, 1);
		snprintf(p->user, sizeof(p->user), "%s", xr__text(ps, 2));
		snprintf(p->symbol, sizeof(p->symbol), "%s", xr__text(ps, 3));
		char what[96];
		snprintf(what, sizeof(what), "open signal %" PRIu64 " of source %s", p->client_id,
			 p->source);
		if ((rc = xr__ids(j, p->user, p->symbol, NULL, &m->user, &m->symbol, NULL, what,
				  err, err_len)) != 0)
			goto out;
		m->kind = XR_MSG_SIGNAL;
		m->side = (uint8_t)xr__side(xr__text(ps, 4));
		m->ord_type = (uint8_t)xr__enum(xr__ot_name, 2, xr__text(ps, 5));
		m->tif = (uint8_t)xr__enum(xr__tif_name, 4, xr__text(ps, 6));
		m->signal_type = (uint8_t)xr__enum(xr__st_name, 4, xr__text(ps, 7));
		m->strategy = (uint8_t)xr__enum(xr__strat_name, XR_STRAT_COUNT, xr__text(ps, 8));
		m->qty = m->order_qty = sqlite3_column_int64(ps, 9);
		m->limit_px = sqlite3_column_int64(ps, 10);
		m->max_slippage_bps = sqlite3_column_int(ps, 11);
		m->ts_ns = sqlite3_column_int64(ps, 12);
		m->venue = XR_VENUE_NONE;
		/* Its decision: routed, or never (then nothing was sent). */
		sqlite3_reset(ds);
		sqlite3_bind_text(ds, 1, p->source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ds, 2, (sqlite3_int64)p->client_id);
		sqlite3_bind_int64(ds, 3, r->since_run);
		int drc = sqlite3_step(ds);
		if (drc == SQLITE_ROW) {
			p->routed = true;
			m->order_id = (uint64_t)sqlite3_column_int64(ds, 0);
			m->method = (uint8_t)xr__enum(xr__method_name, 3, xr__text(ds, 1));
			m->exp_px = sqlite3_column_int64(ds, 3);
			m->arrival_px = sqlite3_column_int64(ds, 4);
		} else if (drc != SQLITE_DONE) {
			rc = xr__rerr(j, err, err_len, "reading a decision");
			goto out;
		}
		r->n_parents++;
		uint32_t first = r->n_children;
		if (p->routed && (rc = xr__children(j, r, pi, cs, rs, err, err_len)) != 0)
			goto out;
		xr__settle(r, pi, first);
	}
	rc = rc == SQLITE_DONE ? 0 : xr__rerr(j, err, err_len, "reading open signals");
out:
	sqlite3_finalize(ps);
	sqlite3_finalize(ds);
	sqlite3_finalize(cs);
	sqlite3_finalize(rs);
	return rc;
}

static int
xr__outcomes(struct xr_journal *j, struct xr_jrecovery *r, char *err, size_t err_len)
{
	sqlite3_stmt *s = NULL;
	int rc = xr__prepare(j, &s,
			     "SELECT s.source, s.client_id, x.final, x.reason, x.cum_qty, "
			     "x.cum_notional, x.fees, x.venues FROM results x JOIN signals s ON "
			     "s.run = x.run AND s.signal_id = x.signal_id WHERE x.run > ?1 ORDER "
			     "BY x.rowid",
			     err, err_len);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->since_run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (xr__grow((void **)&r->outcomes, &r->cap_outcomes, r->n_outcomes + 1,
			     sizeof(*r->outcomes)) != 0) {
			rc = -ENOMEM;
			break;
		}
		struct xr_jrec_outcome *o = &r->outcomes[r->n_outcomes++];
		snprintf(o->source, sizeof(o->source), "%s", xr__text(s, 0));
		o->client_id = (uint64_t)sqlite3_column_int64(s, 1);
		o->final = (uint8_t)xr__enum(xr__final_name, XR_FINAL_COUNT, xr__text(s, 2));
		o->reason = (uint16_t)xr__enum(xr__reason_name, XR_R_COUNT, xr__text(s, 3));
		o->filled = sqlite3_column_int64(s, 4);
		o->notional = sqlite3_column_int64(s, 5);
		o->fees = sqlite3_column_int64(s, 6);
		char first[XR_NAME_MAX + 1];
		snprintf(first, sizeof(first), "%s", xr__text(s, 7));
		char *comma = strchr(first, ',');
		if (comma != NULL)
			*comma = '\0';
		int v = first[0] ? xr_config_venue_id(j->cfg, first) : -1;
		o->venue = v >= 0 ? (uint8_t)v : XR_VENUE_NONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == 0 ? 0
	       : rc == -ENOMEM		    ? rc
					    : xr__rerr(j, err, err_len, "reading outcomes");
}

static int
xr__positions(struct xr_journal *j, struct xr_jrecovery *r, char *err, size_t err_len)
{
	const struct xr_config *cfg = j->cfg;
	sqlite3_stmt *s = NULL;
	int rc = xr__prepare(j, &s,
			     "SELECT c.user, c.venue, c.symbol, SUM(CASE c.side WHEN 'buy' THEN "
			     "r.last_qty ELSE -r.last_qty END) FROM reports r JOIN children c ON "
			     "c.cl_ord_id = r.cl_ord_id WHERE r.run > ?1 AND r.last_qty != 0 GROUP "
			     "BY 1, 2, 3",
			     err, err_len);
	if (rc != 0)
		return rc;
	r->pos = calloc((size_t)cfg->n_users * cfg->n_venues * (cfg->n_symbols ? cfg->n_symbols : 1),
			sizeof(*r->pos));
	if (r->pos == NULL) {
		sqlite3_finalize(s);
		return -ENOMEM;
	}
	sqlite3_bind_int64(s, 1, r->since_run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint32_t u;
		uint16_t sym;
		uint8_t v;
		int64_t q = sqlite3_column_int64(s, 3);
		if (q == 0)
			continue;
		if ((rc = xr__ids(j, xr__text(s, 0), xr__text(s, 2), xr__text(s, 1), &u, &sym, &v,
				  "a position", err, err_len)) != 0)
			break;
		r->pos[((size_t)u * cfg->n_venues + v) * cfg->n_symbols + sym] += q;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : rc < 0 ? rc : xr__rerr(j, err, err_len, "reading positions");
}

int
xr_journal_recover_load(struct xr_journal *j, struct xr_jrecovery *r, char *err, size_t err_len)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = xr__prepare(j, &s,
			      "SELECT COALESCE((SELECT MAX(run) FROM runs WHERE clean_exit = 1 AND "
			      "run < ?1), 0), (SELECT COUNT(*) FROM runs WHERE run < ?1 AND "
			      "clean_exit = 0 AND run > COALESCE((SELECT MAX(run) FROM runs WHERE "
			      "clean_exit = 1 AND run < ?1), 0)), (SELECT COALESCE(MAX(order_id), "
			      "0) FROM children)",
			      err, err_len)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, j->run);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return xr__rerr(j, err, err_len, "reading runs");
	}
	r->since_run = sqlite3_column_int64(s, 0);
	r->active = sqlite3_column_int64(s, 1) != 0;
	r->next_order_id = (uint64_t)sqlite3_column_int64(s, 2) + 1;
	sqlite3_finalize(s);
	if (!r->active)
		return 0;
	if ((rc = xr__parents(j, r, err, err_len)) != 0 ||
	    (rc = xr__outcomes(j, r, err, err_len)) != 0 ||
	    (rc = xr__positions(j, r, err, err_len)) != 0) {
		if (rc == -ENOMEM)
			snprintf(err, err_len, "journal %s: recovery: out of memory",
				 j->cfg->journal.path);
		xr_journal_recover_free(r);
		return rc;
	}
	return 0;
}

void
xr_journal_recover_free(struct xr_jrecovery *r)
{
	free(r->parents);
	free(r->children);
	free(r->outcomes);
	free(r->pos);
	memset(r, 0, sizeof(*r));
}

int
xr_journal_recover_note(struct xr_journal *j, const struct xr_jrecovery *r, char *err,
			size_t err_len)
{
	sqlite3 *db = xr_jdb_handle(j->db);
	int64_t now = 0;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return xr__rerr(j, err, err_len, "BEGIN");
	for (uint32_t i = 0; i < r->n_parents; i++) {
		/* The continuation: its signals row in this run, under the id
		 * it has now, so a later recovery finds it and its result
		 * joins it. */
		struct xr_msg m = r->parents[i].sig;
		m.cl_ord_id = r->parents[i].client_id;
		m.t[XR_T_INGRESS] = 0;
		if (xr_jrows_insert(j, XR_JR_INGRESS, &m, now) < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			snprintf(err, err_len, "%s", j->first_error);
			return -EIO;
		}
	}
	for (uint32_t i = 0; i < r->n_parents; i++) {
		/* Ended at recovery: its result. */
		const struct xr_jrec_parent *p = &r->parents[i];
		if (!p->end_now)
			continue;
		struct xr_msg m = p->sig;
		m.kind = XR_MSG_RESULT;
		m.final = p->end_final;
		m.reason = XR_R_STOPPED;
		m.cum_qty = p->cum;
		m.cum_notional = p->notional;
		m.fees = p->fees;
		m.venue_mask = p->venue_mask;
		m.t[XR_T_AGGREGATE] = 0;
		if (xr_jrows_insert(j, XR_JR_AGGREGATE, &m, now) < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			snprintf(err, err_len, "%s", j->first_error);
			return -EIO;
		}
	}
	char d[160];
	snprintf(d, sizeof(d),
		 "recovered after run %" PRId64 ": %" PRIu32 " open signals, %" PRIu32
		 " child orders, %" PRIu32 " outcomes",
		 j->run - 1, r->n_parents, r->n_children, r->n_outcomes);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO events(run, kind, detail, at_ns) VALUES(?, "
				   "'recovery', ?, ?)",
			       -1, &s, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return xr__rerr(j, err, err_len, "recording the recovery");
	}
	sqlite3_bind_int64(s, 1, j->run);
	sqlite3_bind_text(s, 2, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return xr__rerr(j, err, err_len, "recording the recovery");
	}
	return 0;
}

void
xr_journal_recover_extra(const struct xr_jrecovery *r, uint32_t *extra, uint32_t n_venues)
{
	if (!r->active)
		return;
	for (uint32_t i = 0; i < r->n_children; i++) {
		const struct xr_jrec_child *c = &r->children[i];
		if (!c->ended && !c->superseded && c->c.venue < n_venues)
			extra[c->c.venue]++;
	}
}
