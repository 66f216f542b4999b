/*
 * journal_rows: what each journal record becomes in the journal's tables
 * (docs/journal.md "Schema"). The ring a record came from says what it is:
 *
 *   ingress    XR_MSG_SIGNAL   -> signals (source and client_id: in serve
 *                                 the internal id's source index and the
 *                                 client's own id, carried in cl_ord_id;
 *                                 in run the file and signal_id itself)
 *              XR_MSG_CONTROL  -> events 'cancel_request'
 *   route      XR_MSG_CHILD    -> children; a parent's first child
 *                                 (child_idx 0, attempt 1) also the
 *                                 decisions row; a re-routed child also
 *                                 events 'failover'
 *   execute.V  XR_MSG_REPORT   -> reports
 *   aggregate  XR_MSG_RESULT   -> results; XR_MSG_CONTROL -> events
 *                                 'command'; XR_MSG_VENUE_EVENT ->
 *                                 'circuit'; XR_MSG_ALERT -> 'alert'
 *
 * A report carries its own increment (LastQty); the child's cumulative
 * quantity, which the reports row also holds, is kept here per open
 * ClOrdID (j->cum) and forgotten at the child's terminal report.
 * Times: a record's stamp (CLOCK_MONOTONIC) plus the wall-clock offset
 * taken at open; the writer's own clock for a record without one.
 */
#include "journal_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "xr_journal_db.h"
#include "xr_u64map.h"

/* Open ClOrdIDs whose cumulative quantity the writer tracks. */
#define XR__JR_OPEN_MAX (UINT64_C(1) << 20)

static const char *const xr__sql[XR_JS_COUNT] = {
	[XR_JS_SIGNAL] = "INSERT INTO signals VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[XR_JS_DECISION] = "INSERT INTO decisions VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[XR_JS_CHILD] = "INSERT INTO children VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[XR_JS_REPORT] = "INSERT INTO reports VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[XR_JS_RESULT] = "INSERT INTO results VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[XR_JS_EVENT] = "INSERT INTO events VALUES(?,?,?,?,?,?,?)",
};

int
xr_jrows_prepare(struct xr_journal *j, char *err, size_t err_len)
{
	sqlite3 *db = xr_jdb_handle(j->db);

	for (int i = 0; i < XR_JS_COUNT; i++)
		if (sqlite3_prepare_v3(db, xr__sql[i], -1, SQLITE_PREPARE_PERSISTENT, &j->stmt[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, err_len, "journal %s: %s: %s", j->cfg->journal.path,
				 xr__sql[i], sqlite3_errmsg(db));
			return -EIO;
		}
	if (xr_u64map_init(&j->cum, XR__JR_OPEN_MAX, sizeof(int64_t)) != 0) {
		snprintf(err, err_len, "journal: out of memory");
		return -ENOMEM;
	}
	return 0;
}

void
xr_jrows_finalize(struct xr_journal *j)
{
	for (int i = 0; i < XR_JS_COUNT; i++) {
		sqlite3_finalize(j->stmt[i]);
		j->stmt[i] = NULL;
	}
	xr_u64map_fini(&j->cum);
}

/* ---- binding ---- */

static void
xr__text(sqlite3_stmt *s, int col, const char *t)
{
	sqlite3_bind_text(s, col, t, -1, SQLITE_STATIC);
}

static void
xr__int(sqlite3_stmt *s, int col, int64_t v)
{
	sqlite3_bind_int64(s, col, (sqlite3_int64)v);
}

static const char *
xr__venue(const struct xr_journal *j, unsigned v)
{
	return v < j->cfg->n_venues ? j->cfg->venues[v].name : "";
}

static const char *
xr__user(const struct xr_journal *j, unsigned u)
{
	return u < j->cfg->n_users ? j->cfg->users[u].name : "";
}

static const char *
xr__symbol(const struct xr_journal *j, unsigned s)
{
	return s < j->cfg->n_symbols ? j->cfg->symbols[s] : "";
}

static int64_t
xr__at(const struct xr_journal *j, uint64_t mono, int64_t now_wall)
{
	return mono != 0 ? (int64_t)mono + j->wall_off_ns : now_wall;
}

static int
xr__step(struct xr_journal *j, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return 1;
	j->st.errors++;
	if (j->first_error[0] == '\0') {
		snprintf(j->first_error, sizeof(j->first_error), "journal %s: inserting %s: %s",
			 j->cfg->journal.path, what, sqlite3_errmsg(xr_jdb_handle(j->db)));
		fprintf(stderr, "xroute: %s (the pipeline waits until it can write)\n",
			j->first_error);
	}
	return -EIO;
}

/* ---- rows ---- */

static int
xr__signal(struct xr_journal *j, const struct xr_msg *m, int64_t now_wall)
{
	sqlite3_stmt *s = j->stmt[XR_JS_SIGNAL];
	unsigned src = (unsigned)(m->signal_id & ((1u << XR_JSRC_BITS) - 1));

	xr__int(s, 1, j->run);
	xr__int(s, 2, (int64_t)m->signal_id);
	xr__text(s, 3, !j->serve ? "file" : src < j->n_src ? j->src_names[src] : "?");
	xr__int(s, 4, (int64_t)(j->serve ? m->cl_ord_id : m->signal_id));
	xr__text(s, 5, xr__user(j, m->user));
	xr__text(s, 6, xr__symbol(j, m->symbol));
	xr__text(s, 7, xr_side_name(m->side));
	xr__text(s, 8, xr_ord_type_name(m->ord_type));
	xr__text(s, 9, xr_tif_name(m->tif));
	xr__text(s, 10, xr_signal_type_name(m->signal_type));
	xr__text(s, 11, xr_strategy_name(m->strategy));
	xr__int(s, 12, m->qty);
	xr__int(s, 13, m->limit_px);
	xr__int(s, 14, m->max_slippage_bps);
	xr__int(s, 15, m->ts_ns);
	xr__int(s, 16, m->line);
	xr__int(s, 17, xr__at(j, m->t[XR_T_INGRESS], now_wall));
	return xr__step(j, s, "a signal");
}

static int
xr__event(struct xr_journal *j, const char *kind, unsigned venue, uint64_t signal_id,
	  uint64_t cl_ord_id, const char *detail, int64_t at)
{
	sqlite3_stmt *s = j->stmt[XR_JS_EVENT];

	xr__int(s, 1, j->run);
	xr__text(s, 2, kind);
	if (venue < j->cfg->n_venues)
		xr__text(s, 3, j->cfg->venues[venue].name);
	if (signal_id != 0)
		xr__int(s, 4, (int64_t)signal_id);
	if (cl_ord_id != 0)
		xr__int(s, 5, (int64_t)cl_ord_id);
	sqlite3_bind_text(s, 6, detail, -1, SQLITE_TRANSIENT);
	xr__int(s, 7, at);
	return xr__step(j, s, "an event");
}

/* "alpha=1.5;beta=0.5" and "beta=71.2;gamma=65" of decision @p m. */
static void
xr__alloc_text(const struct xr_journal *j, const struct xr_msg *m, char *alloc, size_t alen,
	       char *alts, size_t tlen)
{
	size_t a = 0, t = 0;
	char num[24];

	alloc[0] = alts[0] = '\0';
	for (unsigned i = 0; i < m->n_venues && i < XR_MAX_ALLOC && a < alen; i++) {
		xr_fixed_format(num, m->alloc_qty[i], 8);
		a += (size_t)snprintf(alloc + a, alen - a, "%s%s=%s", i ? ";" : "",
				      xr__venue(j, m->alloc_venue[i]), num);
	}
	for (unsigned i = 0; i < m->n_alts && i < XR_MAX_ALTS && t < tlen; i++) {
		xr_fixed_format(num, m->alt_score[i], 2);
		t += (size_t)snprintf(alts + t, tlen - t, "%s%s=%s", i ? ";" : "",
				      xr__venue(j, m->alts[i]), num);
	}
}

static int
xr__decision(struct xr_journal *j, const struct xr_msg *m, int64_t at)
{
	sqlite3_stmt *s = j->stmt[XR_JS_DECISION];
	char alloc[XR_MAX_ALLOC * (XR_NAME_MAX + 26)], alts[XR_MAX_ALTS * (XR_NAME_MAX + 26)];

	xr__alloc_text(j, m, alloc, sizeof(alloc), alts, sizeof(alts));
	xr__int(s, 1, j->run);
	xr__int(s, 2, (int64_t)m->signal_id);
	xr__int(s, 3, (int64_t)m->order_id);
	xr__text(s, 4, xr_strategy_name(m->strategy));
	xr__text(s, 5, xr_method_name(m->method));
	xr__text(s, 6, xr_decision_name(m->decision));
	xr__int(s, 7, m->exp_px);
	xr__int(s, 8, m->arrival_px);
	xr__int(s, 9, m->exp_slip_cbps);
	xr__int(s, 10, m->confidence_ppm);
	xr__int(s, 11, m->score);
	sqlite3_bind_text(s, 12, alloc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 13, alts, -1, SQLITE_TRANSIENT);
	xr__int(s, 14, at);
	return xr__step(j, s, "a decision");
}

static int
xr__child(struct xr_journal *j, const struct xr_msg *m, int64_t now_wall)
{
	sqlite3_stmt *s = j->stmt[XR_JS_CHILD];
	int64_t at = xr__at(j, m->t[XR_T_ROUTE], now_wall);
	int rows = 0, rc;

	if (m->child_idx == 0 && m->attempts <= 1) {
		if ((rc = xr__decision(j, m, at)) < 0)
			return rc;
		rows++;
	}
	xr__int(s, 1, j->run);
	xr__int(s, 2, (int64_t)m->cl_ord_id);
	xr__int(s, 3, (int64_t)m->signal_id);
	xr__int(s, 4, (int64_t)m->order_id);
	xr__text(s, 5, xr__venue(j, m->venue));
	xr__text(s, 6, xr__user(j, m->user));
	xr__text(s, 7, xr__symbol(j, m->symbol));
	xr__text(s, 8, xr_side_name(m->side));
	xr__text(s, 9, xr_ord_type_name(m->ord_type));
	xr__text(s, 10, xr_tif_name(m->tif));
	xr__int(s, 11, m->qty);
	xr__int(s, 12, m->limit_px);
	xr__int(s, 13, m->child_idx);
	xr__int(s, 14, m->attempts);
	xr__int(s, 15, m->send_at_ns != 0 ? (int64_t)m->send_at_ns + j->wall_off_ns : 0);
	xr__int(s, 16, at);
	if ((rc = xr__step(j, s, "a child order")) < 0)
		return rc;
	rows++;
	if (m->attempts > 1) {
		char d[96];
		snprintf(d, sizeof(d), "attempt %u %s %s", m->attempts,
			 m->decision == XR_D_REROUTE ? "re-routed to" : "sent again to",
			 xr__venue(j, m->venue));
		if ((rc = xr__event(j, "failover", m->venue, m->signal_id, m->cl_ord_id, d, at)) < 0)
			return rc;
		rows++;
	}
	return rows;
}

static bool
xr__os_terminal(uint8_t os)
{
	return os == XR_OS_FILLED || os == XR_OS_CANCELED || os == XR_OS_REJECTED ||
	       os == XR_OS_EXPIRED;
}

static int
xr__report(struct xr_journal *j, const struct xr_msg *m, int64_t now_wall)
{
	sqlite3_stmt *s = j->stmt[XR_JS_REPORT];
	bool terminal = xr__os_terminal(m->ord_status);
	int64_t cum = m->cum_qty;
	bool inserted;

	if (m->cl_ord_id != 0) {
		int64_t *c = terminal ? xr_u64map_find(&j->cum, m->cl_ord_id)
				      : xr_u64map_upsert(&j->cum, m->cl_ord_id, &inserted);
		if (c != NULL) {
			if (!terminal && inserted)
				*c = 0;
			cum += *c;
			*c = cum;
		}
		if (terminal)
			xr_u64map_remove(&j->cum, m->cl_ord_id);
	}
	const char *kind = m->final == XR_FINAL_FAILED	   ? "failed"
			   : m->reason == XR_R_TIMEOUT	   ? "unknown"
			   : m->t[XR_T_EXECUTE] == 0	   ? "ended"
							   : "report";
	xr__int(s, 1, j->run);
	xr__int(s, 2, (int64_t)m->cl_ord_id);
	xr__int(s, 3, (int64_t)m->signal_id);
	xr__int(s, 4, (int64_t)m->order_id);
	xr__text(s, 5, xr__venue(j, m->venue));
	xr__text(s, 6, kind);
	xr__text(s, 7, xr_ord_status_name((enum xr_ord_status)m->ord_status));
	xr__text(s, 8, xr_reason_name(m->reason));
	xr__int(s, 9, m->cum_qty);
	xr__int(s, 10, m->cum_notional);
	xr__int(s, 11, m->fees);
	xr__int(s, 12, cum);
	xr__int(s, 13, terminal ? 0 : m->qty - cum);
	xr__int(s, 14, xr__at(j, m->t[XR_T_REPORT], now_wall));
	return xr__step(j, s, "an execution report");
}

static int
xr__result(struct xr_journal *j, const struct xr_msg *m, int64_t now_wall)
{
	sqlite3_stmt *s = j->stmt[XR_JS_RESULT];
	char venues[XR_MAX_VENUES * (XR_NAME_MAX + 1) + 1];
	size_t n = 0;

	venues[0] = '\0';
	for (unsigned v = 0; v < j->cfg->n_venues && v < 64; v++)
		if ((m->venue_mask >> v) & 1)
			n += (size_t)snprintf(venues + n, sizeof(venues) - n, "%s%s", n ? "," : "",
					      j->cfg->venues[v].name);
	xr__int(s, 1, j->run);
	xr__int(s, 2, (int64_t)m->signal_id);
	xr__int(s, 3, (int64_t)m->order_id);
	xr__text(s, 4, xr__user(j, m->user));
	xr__text(s, 5, xr__symbol(j, m->symbol));
	xr__text(s, 6, xr_side_name(m->side));
	xr__text(s, 7, xr_final_name(m->final));
	xr__text(s, 8, xr_reason_name(m->reason));
	xr__int(s, 9, m->order_qty != 0 ? m->order_qty : m->qty);
	xr__int(s, 10, m->cum_qty);
	xr__int(s, 11, m->cum_notional);
	xr__int(s, 12, m->fees);
	sqlite3_bind_text(s, 13, venues, -1, SQLITE_TRANSIENT);
	xr__int(s, 14, xr__at(j, m->t[XR_T_AGGREGATE], now_wall));
	return xr__step(j, s, "a result");
}

/* An operator command, circuit transition or alert from the aggregator. */
static int
xr__agg_event(struct xr_journal *j, const struct xr_msg *m, int64_t now_wall)
{
	char d[128];
	int64_t at = xr__at(j, m->send_at_ns, now_wall);

	switch (m->kind) {
	case XR_MSG_CONTROL: {
		static const char *const op[] = { "?", "disable", "enable", "failover", "cancel" };
		snprintf(d, sizeof(d), "%s %s", op[m->reason < 5 ? m->reason : 0],
			 m->venue == XR_VENUE_NONE ? "automatic" : xr__venue(j, m->venue));
		return xr__event(j, "command", m->venue, 0, 0, d, at);
	}
	case XR_MSG_VENUE_EVENT:
		snprintf(d, sizeof(d), "circuit %u -> %u (cause %u)", m->side, m->ord_status,
			 m->reason);
		return xr__event(j, "circuit", m->venue, 0, 0, d, at);
	case XR_MSG_ALERT:
		snprintf(d, sizeof(d), "%s %s (value %" PRId64 ", threshold %" PRId64 ")",
			 xr_alert_name((enum xr_alert)m->reason), m->ord_status ? "raised" : "cleared",
			 m->qty, m->limit_px);
		return xr__event(j, "alert", m->venue, 0, 0, d, at);
	default:
		return 0;
	}
}

int
xr_jrows_insert(struct xr_journal *j, unsigned ring, const struct xr_msg *m,
		int64_t now_wall_ns)
{
	int rc = 0;

	if (ring == XR_JR_INGRESS) {
		if (m->kind == XR_MSG_SIGNAL)
			rc = xr__signal(j, m, now_wall_ns);
		else if (m->kind == XR_MSG_CONTROL)
			rc = xr__event(j, "cancel_request", XR_VENUE_NONE, m->signal_id,
				       0, "cancel of the signal asked by its source",
				       xr__at(j, m->t[XR_T_INGRESS], now_wall_ns));
	} else if (ring == XR_JR_ROUTE) {
		if (m->kind == XR_MSG_CHILD)
			rc = xr__child(j, m, now_wall_ns);
	} else if (ring == XR_JR_AGGREGATE) {
		rc = m->kind == XR_MSG_RESULT ? xr__result(j, m, now_wall_ns)
					      : xr__agg_event(j, m, now_wall_ns);
	} else if (m->kind == XR_MSG_REPORT) {
		rc = xr__report(j, m, now_wall_ns);
	}
	if (rc > 0)
		j->st.rows += (uint64_t)rc;
	return rc;
}
