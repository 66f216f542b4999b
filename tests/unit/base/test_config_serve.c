/*
 * Unit tests of the sections `xroute serve` reads (base/config_serve.c):
 * [serve] defaults, every key and each range error, fix_listen's forms,
 * [client NAME] and [fix_client NAME] (required keys, users lists resolved
 * against the users wherever they are in the file, `*`, unknown users,
 * duplicate sections, CompID pairs, the default user rule), the lookups
 * and xr_user_set_has(), and print -> load round trips
 * (docs/config.md "[serve]", "[client NAME]", "[fix_client NAME]").
 *
 * Helpers and the temporary directory: tests/common/config_test.h.
 */
#include <unistd.h>

#include "../../common/config_test.h"

TestSuite(config_serve, .init = config_test_enter, .fini = config_test_leave);

/* MINIMAL plus two more users: u1 (index 0), u2 (1), u3 (2); 5 lines. */
#define USERS3 MINIMAL "[user u2]\n[user u3]\n"

/* Load @p text; its [serve] key @p key set to @p value must fail with
 * "xroute.ini:LINE: [serve] KEY: "VALUE" WHY". */
static void
expect_serve_error(const char *key, const char *value, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), MINIMAL "[serve]\n%s = %s\n", key, value);
	snprintf(want, sizeof(want), "xroute.ini:5: [serve] %s: \"%s\" %s", key, value, why);
	expect_error(text, want);
}

/* ------------------------------------------------------------------ */
/* [serve]. */

Test(config_serve, serve_defaults_without_the_section)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	const struct xr_serve_cfg *s = &cfg->serve;

	cr_assert_str_eq(s->socket, "xroute.sock");
	cr_assert_eq(s->max_clients, 16);
	cr_assert_eq(s->client_ring, 4096);
	cr_assert_eq(s->result_ring, 8192);
	cr_assert_eq(s->result_buffer, 65536);
	cr_assert_eq(s->idempotency_window, 1048576);
	cr_assert_eq(s->source_burst, 32);
	cr_assert_eq(s->hello_timeout_ms, 1000);
	cr_assert_eq(s->ready_timeout_ms, 10000);
	cr_assert_str_eq(s->fix_listen, "");
	cr_assert_eq(s->line, 0);
	cr_assert_eq(cfg->n_clients, 0);
	cr_assert_eq(cfg->n_fix_clients, 0);
	cr_assert_eq(xr_config_client_id(cfg, "c1"), -1);
	cr_assert_eq(xr_config_fix_client_id(cfg, "f1"), -1);
	xr_config_free(cfg);

	/* An empty section is the defaults too, with its line. */
	cfg = load_ok(MINIMAL "[serve]\n");
	cr_assert_eq(cfg->serve.line, 4);
	cr_assert_eq(cfg->serve.max_clients, 16);
	cr_assert_str_eq(cfg->serve.socket, "xroute.sock");
	xr_config_free(cfg);
}

Test(config_serve, serve_every_key)
{
	struct xr_config *cfg = load_ok("[serve]\n"
					"socket = /run/xroute/serve.sock\n"
					"max_clients = 1024\n"
					"client_ring = 64\n"
					"result_ring = 1048576\n"
					"result_buffer = 0\n"
					"idempotency_window = 67108864\n"
					"source_burst = 256\n"
					"hello_timeout_ms = 60000\n"
					"fix_listen = 10.0.0.7:9100\n" MINIMAL);
	const struct xr_serve_cfg *s = &cfg->serve;

	cr_assert_eq(s->line, 1);
	cr_assert_str_eq(s->socket, "/run/xroute/serve.sock");
	cr_assert_eq(s->max_clients, 1024);
	cr_assert_eq(s->client_ring, 64);
	cr_assert_eq(s->result_ring, 1048576);
	cr_assert_eq(s->result_buffer, 0);
	cr_assert_eq(s->idempotency_window, 67108864);
	cr_assert_eq(s->source_burst, 256);
	cr_assert_eq(s->hello_timeout_ms, 60000);
	cr_assert_str_eq(s->fix_listen, "10.0.0.7:9100");
	xr_config_free(cfg);

	/* The low ends of the ranges. */
	cfg = load_ok(MINIMAL "[serve]\nmax_clients = 1\nclient_ring = 1048576\nresult_ring = 64\n"
			      "result_buffer = 16777216\nidempotency_window = 1024\n"
			      "source_burst = 1\nhello_timeout_ms = 1\n");
	s = &cfg->serve;
	cr_assert_eq(s->max_clients, 1);
	cr_assert_eq(s->client_ring, 1048576);
	cr_assert_eq(s->result_ring, 64);
	cr_assert_eq(s->result_buffer, 16777216);
	cr_assert_eq(s->idempotency_window, 1024);
	cr_assert_eq(s->source_burst, 1);
	cr_assert_eq(s->hello_timeout_ms, 1);
	xr_config_free(cfg);
}

Test(config_serve, serve_range_errors)
{
	expect_serve_error("max_clients", "0", "is out of range (1..1024)");
	expect_serve_error("max_clients", "1025", "is out of range (1..1024)");
	expect_serve_error("max_clients", "many", "is not a number");
	expect_serve_error("client_ring", "32", "is out of range (64..1048576)");
	expect_serve_error("client_ring", "2097152", "is out of range (64..1048576)");
	expect_serve_error("client_ring", "100", "is not a power of two (64..1048576)");
	expect_serve_error("result_ring", "32", "is out of range (64..1048576)");
	expect_serve_error("result_ring", "2097152", "is out of range (64..1048576)");
	expect_serve_error("result_ring", "8000", "is not a power of two (64..1048576)");
	expect_serve_error("result_buffer", "16777217", "is out of range (0..16777216)");
	expect_serve_error("result_buffer", "-1", "is out of range (0..16777216)");
	expect_serve_error("idempotency_window", "1023", "is out of range (1024..67108864)");
	expect_serve_error("idempotency_window", "67108865", "is out of range (1024..67108864)");
	expect_serve_error("source_burst", "0", "is out of range (1..256)");
	expect_serve_error("source_burst", "257", "is out of range (1..256)");
	expect_serve_error("hello_timeout_ms", "0", "is out of range (1..60000)");
	expect_serve_error("hello_timeout_ms", "60001", "is out of range (1..60000)");
	expect_serve_error("hello_timeout_ms", "1.5", "is not an integer");
	expect_serve_error("socket", "", "must be 1..107 characters");
}

Test(config_serve, serve_socket_length)
{
	char text[512], path[128], want[512];

	/* 107 bytes fit sun_path with its NUL; 108 do not. */
	memset(path, 's', 107);
	path[107] = '\0';
	snprintf(text, sizeof(text), MINIMAL "[serve]\nsocket = %s\n", path);
	struct xr_config *cfg = load_ok(text);
	cr_assert_str_eq(cfg->serve.socket, path);
	xr_config_free(cfg);

	path[107] = 's';
	path[108] = '\0';
	snprintf(text, sizeof(text), MINIMAL "[serve]\nsocket = %s\n", path);
	snprintf(want, sizeof(want),
		 "xroute.ini:5: [serve] socket: \"%.77s...\" must be 1..107 characters", path);
	expect_error(text, want);
}

Test(config_serve, serve_section_and_key_errors)
{
	expect_error(MINIMAL "[serve]\n[serve]\n",
		     "xroute.ini:5: [serve]: duplicate section (first at line 4)");
	expect_error(MINIMAL "[serve]\nmax_clients = 4\nmax_clients = 8\n",
		     "xroute.ini:6: [serve] max_clients: duplicate key (first at line 5)");
	expect_error(MINIMAL "[serve]\nport = 9000\n", "xroute.ini:5: [serve] port: unknown key");
}

Test(config_serve, fix_listen_forms)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "9000", "127.0.0.1:9000" },	  { ":9000", "127.0.0.1:9000" },
		{ "0", "127.0.0.1:0" },		  { ":0", "127.0.0.1:0" },
		{ "65535", "127.0.0.1:65535" },	  { "0.0.0.0:9100", "0.0.0.0:9100" },
		{ "192.168.10.255:0080", "192.168.10.255:80" },
		{ "localhost:5001", "localhost:5001" }, { "", "" },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "[serve]\nfix_listen = %s\n", ok[i].in);
		struct xr_config *cfg = load_ok(text);
		cr_assert_str_eq(cfg->serve.fix_listen, ok[i].out, "fix_listen = %s", ok[i].in);
		xr_config_free(cfg);
	}
}

Test(config_serve, fix_listen_errors)
{
#define FORM "(form: [HOST:]PORT, HOST an IPv4 address or localhost, PORT 0..65535)"
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "abc", "has no port number " FORM },
		{ ":", "has no port number " FORM },
		{ "1.2.3.4:", "has no port number " FORM },
		{ "1.2.3.4:+80", "has no port number " FORM },
		{ "1.2.3.4:-1", "has no port number " FORM },
		{ "65536", "has a port out of range (0..65535)" },
		{ "1.2.3.4:123456789012345678901234", "has a port out of range (0..65535)" },
		{ "example.com:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "1.2.3:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "1.2.3.4.5:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "256.0.0.1:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "01.2.3.4:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "1..3.4:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "1.2.3.4 :80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "[::1]:80", "has a host that is not an IPv4 address or localhost " FORM },
		{ "LOCALHOST:80", "has a host that is not an IPv4 address or localhost " FORM },
	};
#undef FORM
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_serve_error("fix_listen", bad[i].in, bad[i].why);
}

/* ------------------------------------------------------------------ */
/* [client NAME]. */

Test(config_serve, client_keys_and_users)
{
	/* users name sections before and after the client's; stored in
	 * index order, each once. */
	struct xr_config *cfg = load_ok("[user u2]\n"
					"[client algo-1]\nuid = 1000\nusers = u3, u2 u3\n"
					"[client ops]\nuid = 0\nusers = *\n"
					"[client top]\nusers = u2\nuid = 4294967294\n" MINIMAL
					"[user u3]\n");
	cr_assert_eq(cfg->n_clients, 3);
	cr_assert_eq(xr_config_user_id(cfg, "u2"), 0);
	cr_assert_eq(xr_config_user_id(cfg, "u3"), 2);

	const struct xr_client_cfg *c = &cfg->clients[0];
	cr_assert_str_eq(c->name, "algo-1");
	cr_assert_eq(c->line, 2);
	cr_assert_eq(c->uid, 1000);
	cr_assert_eq(c->users.all, false);
	cr_assert_eq(c->users.n, 2);
	cr_assert_eq(c->users.ids[0], 0);
	cr_assert_eq(c->users.ids[1], 2);
	cr_assert(xr_user_set_has(&c->users, 0));
	cr_assert_not(xr_user_set_has(&c->users, 1));
	cr_assert(xr_user_set_has(&c->users, 2));
	cr_assert_not(xr_user_set_has(&c->users, 3));

	c = &cfg->clients[1];
	cr_assert_eq(c->uid, 0);
	cr_assert_eq(c->users.all, true);
	cr_assert_eq(c->users.n, 0);
	for (uint32_t u = 0; u < cfg->n_users; u++)
		cr_assert(xr_user_set_has(&c->users, u));

	c = &cfg->clients[2];
	cr_assert_eq(c->uid, 4294967294u);
	cr_assert_eq(c->users.n, 1);
	cr_assert_eq(c->users.ids[0], 0);

	cr_assert_eq(xr_config_client_id(cfg, "algo-1"), 0);
	cr_assert_eq(xr_config_client_id(cfg, "ops"), 1);
	cr_assert_eq(xr_config_client_id(cfg, "top"), 2);
	cr_assert_eq(xr_config_client_id(cfg, "u2"), -1);
	cr_assert_eq(xr_config_fix_client_id(cfg, "ops"), -1);
	xr_config_free(cfg);
}

Test(config_serve, client_errors)
{
	expect_error(USERS3 "[client c1]\nuid = 1\nusers = u1, bob, u2\n",
		     "xroute.ini:8: [client c1] users: \"bob\" is not a user");
	expect_error(USERS3 "[client c1]\nuid = 1\nusers = "
			    "u234567890123456789012345678901234\n",
		     "xroute.ini:8: [client c1] users: \"u234567890123456789012345678901...\" "
		     "is not a user");
	expect_error(USERS3 "[client c1]\nuid = 1\nusers = u1, *\n",
		     "xroute.ini:8: [client c1] users: \"u1, *\" mixes * with names");
	expect_error(USERS3 "[client c1]\nuid = 1\nusers =\n",
		     "xroute.ini:8: [client c1] users: \"\" names no user (use * for all)");
	expect_error(USERS3 "[client c1]\nuid = 1\n",
		     "xroute.ini:6: [client c1]: no users key (the users it trades for, or *)");
	expect_error(USERS3 "[client c1]\nuid = 4294967295\nusers = *\n",
		     "xroute.ini:7: [client c1] uid: \"4294967295\" is out of range "
		     "(0..4294967294)");
	expect_error(USERS3 "[client c1]\nuid = -1\nusers = *\n",
		     "xroute.ini:7: [client c1] uid: \"-1\" is out of range (0..4294967294)");
	expect_error(USERS3 "[client c1]\nuid = root\nusers = *\n",
		     "xroute.ini:7: [client c1] uid: \"root\" is not a number");
	expect_error(USERS3 "[client c1]\nuid = 1\nusers = *\nuser = u1\n",
		     "xroute.ini:9: [client c1] user: unknown key");
	expect_error(USERS3 "[client c1]\nuid = 1\nusers = *\n[client c1]\n",
		     "xroute.ini:9: [client c1]: duplicate section (first at line 6)");
	expect_error(USERS3 "[client]\n", "xroute.ini:6: [client]: missing name ([client NAME])");
	expect_error(USERS3 "[client a.b]\n",
		     "xroute.ini:6: [client a.b]: client name \"a.b\" must be 1..31 of A-Z a-z "
		     "0-9 _ -");
	/* The users come first: a config without users says so, not the client. */
	expect_error("[venue alpha]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
		     "[client c1]\nuid = 1\nusers = u1\n",
		     "xroute.ini: no user (a [user NAME] section is needed)");
}

/* ------------------------------------------------------------------ */
/* [fix_client NAME]. */

Test(config_serve, fix_client_defaults)
{
	struct xr_config *cfg = load_ok(USERS3 "[fix_client desk]\nsender_comp_id = DESK1\n"
						"users = u3, u2\n");
	cr_assert_eq(cfg->n_fix_clients, 1);
	const struct xr_fix_client_cfg *f = &cfg->fix_clients[0];
	cr_assert_str_eq(f->name, "desk");
	cr_assert_eq(f->line, 6);
	cr_assert_str_eq(f->begin_string, "FIX.4.4");
	cr_assert_str_eq(f->sender_comp_id, "DESK1");
	cr_assert_str_eq(f->target_comp_id, "XROUTE");
	cr_assert_eq(f->users.all, false);
	cr_assert_eq(f->users.n, 2);
	cr_assert_eq(f->users.ids[0], 1);
	cr_assert_eq(f->users.ids[1], 2);
	/* The first of users in config-index order, not in list order. */
	cr_assert_eq(f->default_user, 1);
	cr_assert_str_eq(f->seq_store, "");
	cr_assert_eq(f->heartbeat_s, 30);
	cr_assert_eq(f->max_frame_bytes, 16384);
	cr_assert_eq(xr_config_fix_client_id(cfg, "desk"), 0);
	cr_assert_eq(xr_config_client_id(cfg, "desk"), -1);
	xr_config_free(cfg);

	/* users = *: user 0. */
	cfg = load_ok(USERS3 "[fix_client desk]\nsender_comp_id = DESK1\nusers = *\n");
	cr_assert_eq(cfg->fix_clients[0].users.all, true);
	cr_assert_eq(cfg->fix_clients[0].default_user, 0);
	xr_config_free(cfg);
}

Test(config_serve, fix_client_every_key)
{
	struct xr_config *cfg = load_ok(USERS3 "[fix_client desk-2]\n"
						"begin_string = FIX.4.2\n"
						"sender_comp_id = Desk_2.a-b\n"
						"target_comp_id = XR.PROD-1\n"
						"users = u1, u3\n"
						"user = u3\n"
						"seq_store = /var/lib/xroute/desk-2.seq\n"
						"heartbeat_s = 3600\n"
						"max_frame_bytes = 1048576\n"
						"[fix_client low]\n"
						"sender_comp_id = LOW\n"
						"users = *\n"
						"user = u2\n"
						"heartbeat_s = 1\n"
						"max_frame_bytes = 1024\n");
	const struct xr_fix_client_cfg *f = &cfg->fix_clients[0];
	cr_assert_str_eq(f->begin_string, "FIX.4.2");
	cr_assert_str_eq(f->sender_comp_id, "Desk_2.a-b");
	cr_assert_str_eq(f->target_comp_id, "XR.PROD-1");
	cr_assert_eq(f->users.n, 2);
	cr_assert_eq(f->users.ids[0], 0);
	cr_assert_eq(f->users.ids[1], 2);
	cr_assert_eq(f->default_user, 2);
	cr_assert_str_eq(f->seq_store, "/var/lib/xroute/desk-2.seq");
	cr_assert_eq(f->heartbeat_s, 3600);
	cr_assert_eq(f->max_frame_bytes, 1048576);
	f = &cfg->fix_clients[1];
	cr_assert_eq(f->users.all, true);
	cr_assert_eq(f->default_user, 1);
	cr_assert_eq(f->heartbeat_s, 1);
	cr_assert_eq(f->max_frame_bytes, 1024);
	cr_assert_eq(xr_config_fix_client_id(cfg, "low"), 1);
	xr_config_free(cfg);
}

Test(config_serve, fix_client_key_errors)
{
#define FC USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = *\n"
	expect_error(FC "begin_string = FIX.5.0\n",
		     "xroute.ini:9: [fix_client f1] begin_string: \"FIX.5.0\" is not one of "
		     "FIX.4.2, FIX.4.4");
	expect_error(FC "heartbeat_s = 0\n",
		     "xroute.ini:9: [fix_client f1] heartbeat_s: \"0\" is out of range (1..3600)");
	expect_error(FC "heartbeat_s = 3601\n",
		     "xroute.ini:9: [fix_client f1] heartbeat_s: \"3601\" is out of range "
		     "(1..3600)");
	expect_error(FC "max_frame_bytes = 1023\n",
		     "xroute.ini:9: [fix_client f1] max_frame_bytes: \"1023\" is out of range "
		     "(1024..1048576)");
	expect_error(FC "max_frame_bytes = 1048577\n",
		     "xroute.ini:9: [fix_client f1] max_frame_bytes: \"1048577\" is out of range "
		     "(1024..1048576)");
	expect_error(FC "seq_store =\n",
		     "xroute.ini:9: [fix_client f1] seq_store: \"\" must be 1..255 characters");
	expect_error(FC "target_comp_id = XR/OUTE\n",
		     "xroute.ini:9: [fix_client f1] target_comp_id: \"XR/OUTE\" must be 1..31 of "
		     "A-Z a-z 0-9 _ - .");
	expect_error(FC "target_comp_id =\n",
		     "xroute.ini:9: [fix_client f1] target_comp_id: \"\" must be 1..31 of "
		     "A-Z a-z 0-9 _ - .");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = A23456789_123456789_123456789_12\n",
		     "xroute.ini:7: [fix_client f1] sender_comp_id: "
		     "\"A23456789_123456789_123456789_12\" must be 1..31 of A-Z a-z 0-9 _ - .");
	expect_error(FC "account = u1\n", "xroute.ini:9: [fix_client f1] account: unknown key");
	expect_error(FC "users = u1\n",
		     "xroute.ini:9: [fix_client f1] users: duplicate key (first at line 8)");
#undef FC
	expect_error(USERS3 "[fix_client f1]\nusers = *\n",
		     "xroute.ini:6: [fix_client f1]: no sender_comp_id key (the client's "
		     "SenderCompID)");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\n",
		     "xroute.ini:6: [fix_client f1]: no users key (the users it trades for, or "
		     "*)");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = u1\n"
			    "[fix_client f1]\n",
		     "xroute.ini:9: [fix_client f1]: duplicate section (first at line 6)");
	/* A client and a fix_client may share a name: they are different kinds. */
	struct xr_config *cfg = load_ok(USERS3 "[client f1]\nuid = 1\nusers = *\n"
					       "[fix_client f1]\nsender_comp_id = F1\nusers = *\n");
	cr_assert_eq(xr_config_client_id(cfg, "f1"), 0);
	cr_assert_eq(xr_config_fix_client_id(cfg, "f1"), 0);
	xr_config_free(cfg);
}

Test(config_serve, fix_client_users_and_user)
{
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = u2, carol\n",
		     "xroute.ini:8: [fix_client f1] users: \"carol\" is not a user");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = *, *, u1\n",
		     "xroute.ini:8: [fix_client f1] users: \"*, *, u1\" mixes * with names");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = u2\nuser = u1\n",
		     "xroute.ini:9: [fix_client f1] user: \"u1\" is not among the session's users "
		     "(the users key)");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = *\nuser = carol\n",
		     "xroute.ini:9: [fix_client f1] user: \"carol\" is not a user");
	expect_error(USERS3 "[fix_client f1]\nsender_comp_id = F1\nusers = *\nuser = u1, u2\n",
		     "xroute.ini:9: [fix_client f1] user: \"u1, u2\" is not a user");

	/* users given twice in the list, user given explicitly. */
	struct xr_config *cfg = load_ok(USERS3 "[fix_client f1]\nsender_comp_id = F1\n"
					       "users = u3 u3, u2\nuser = u3\n");
	const struct xr_fix_client_cfg *f = &cfg->fix_clients[0];
	cr_assert_eq(f->users.n, 2);
	cr_assert_eq(f->users.ids[0], 1);
	cr_assert_eq(f->users.ids[1], 2);
	cr_assert_eq(f->default_user, 2);
	cr_assert_not(xr_user_set_has(&f->users, 0));
	cr_assert(xr_user_set_has(&f->users, 1));
	xr_config_free(cfg);
}

Test(config_serve, fix_client_comp_id_pairs)
{
	/* Same target (the default XROUTE) and sender: refused, naming both. */
	expect_error(USERS3 "[fix_client a]\nsender_comp_id = DESK\nusers = *\n"
			    "[fix_client b]\nsender_comp_id = OTHER\nusers = *\n"
			    "[fix_client c]\nsender_comp_id = DESK\nusers = u1\n"
			    "target_comp_id = XROUTE\n",
		     "xroute.ini:12: [fix_client c]: sender_comp_id \"DESK\" with target_comp_id "
		     "\"XROUTE\" is also [fix_client a]'s (line 6): each session needs its own "
		     "CompID pair");
	/* Of two repeated pairs, the one repeated first in the file is named. */
	expect_error(USERS3 "[fix_client z1]\nsender_comp_id = Z\nusers = *\n"
			    "[fix_client a1]\nsender_comp_id = A\nusers = *\n"
			    "[fix_client a2]\nsender_comp_id = A\nusers = *\n"
			    "[fix_client z2]\nsender_comp_id = Z\nusers = *\n"
			    "[fix_client a3]\nsender_comp_id = A\nusers = *\n",
		     "xroute.ini:12: [fix_client a2]: sender_comp_id \"A\" with target_comp_id "
		     "\"XROUTE\" is also [fix_client a1]'s (line 9): each session needs its own "
		     "CompID pair");
	/* One sender with two targets, and CompIDs compared case-sensitively,
	 * are different sessions. */
	struct xr_config *cfg = load_ok(USERS3 "[fix_client a]\nsender_comp_id = DESK\nusers = *\n"
					       "[fix_client b]\nsender_comp_id = DESK\nusers = *\n"
					       "target_comp_id = XROUTE2\n"
					       "[fix_client c]\nsender_comp_id = desk\nusers = *\n");
	cr_assert_eq(cfg->n_fix_clients, 3);
	xr_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Printing. */

/* print -> load -> print gives the same text after line 1; @return the
 * first print (free it) and the reloaded config in *again. */
static char *
round_trip(const struct xr_config *a, struct xr_config **again)
{
	char *p1 = print_to_string(a);
	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);

	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	free(p2);
	*again = b;
	return p1;
}

Test(config_serve, print_defaults)
{
	struct xr_config *a = load_ok(MINIMAL), *b;
	char *p = round_trip(a, &b);

	cr_assert_not_null(strstr(p, "\n[serve]\nsocket = xroute.sock\nmax_clients = 16\n"
				     "client_ring = 4096\nresult_ring = 8192\n"
				     "result_buffer = 65536\nidempotency_window = 1048576\n"
				     "source_burst = 32\nhello_timeout_ms = 1000\n"),
			   "%s", p);
	cr_assert_null(strstr(p, "fix_listen"));
	cr_assert_null(strstr(p, "[client"));
	cr_assert_null(strstr(p, "[fix_client"));
	cr_assert_eq(b->serve.max_clients, 16);
	cr_assert_str_eq(b->serve.fix_listen, "");
	free(p);
	xr_config_free(a);
	xr_config_free(b);
}

Test(config_serve, print_round_trip_every_section)
{
	struct xr_config *a = load_ok(USERS3 "[serve]\nsocket = /tmp/x.sock\nmax_clients = 3\n"
					     "client_ring = 128\nresult_ring = 256\n"
					     "result_buffer = 7\nidempotency_window = 2048\n"
					     "source_burst = 5\nhello_timeout_ms = 250\n"
					     "ready_timeout_ms = 0\nfix_listen = 9876\n"
					     "[client algo]\nuid = 1001\nusers = u3, u1\n"
					     "[client ops]\nuid = 0\nusers = *\n"
					     "[fix_client desk]\nsender_comp_id = DESK.1\n"
					     "users = u3, u2\nbegin_string = FIX.4.2\n"
					     "target_comp_id = XR-1\nseq_store = desk.seq\n"
					     "heartbeat_s = 10\nmax_frame_bytes = 4096\n"
					     "[fix_client all]\nsender_comp_id = ALL\nusers = *\n"
					     "user = u3\n"),
			  *b;
	char *p = round_trip(a, &b);

	cr_assert_not_null(strstr(p, "\n[serve]\nsocket = /tmp/x.sock\nmax_clients = 3\n"
				     "client_ring = 128\nresult_ring = 256\nresult_buffer = 7\n"
				     "idempotency_window = 2048\nsource_burst = 5\n"
				     "hello_timeout_ms = 250\nready_timeout_ms = 0\n"
				     "fix_listen = 127.0.0.1:9876\n"
				     "\n[client algo]\nuid = 1001\nusers = u1, u3\n"
				     "\n[client ops]\nuid = 0\nusers = *\n"
				     "\n[fix_client desk]\nbegin_string = FIX.4.2\n"
				     "sender_comp_id = DESK.1\ntarget_comp_id = XR-1\n"
				     "users = u2, u3\nuser = u2\nseq_store = desk.seq\n"
				     "heartbeat_s = 10\nmax_frame_bytes = 4096\n"
				     "\n[fix_client all]\nbegin_string = FIX.4.4\n"
				     "sender_comp_id = ALL\ntarget_comp_id = XROUTE\nusers = *\n"
				     "user = u3\nheartbeat_s = 30\nmax_frame_bytes = 16384\n"),
			   "%s", p);

	/* The loaded-back config has the same values. */
	cr_assert_str_eq(b->serve.socket, a->serve.socket);
	cr_assert_eq(b->serve.max_clients, a->serve.max_clients);
	cr_assert_eq(b->serve.client_ring, a->serve.client_ring);
	cr_assert_eq(b->serve.result_ring, a->serve.result_ring);
	cr_assert_eq(b->serve.result_buffer, a->serve.result_buffer);
	cr_assert_eq(b->serve.idempotency_window, a->serve.idempotency_window);
	cr_assert_eq(b->serve.source_burst, a->serve.source_burst);
	cr_assert_eq(b->serve.hello_timeout_ms, a->serve.hello_timeout_ms);
	cr_assert_str_eq(b->serve.fix_listen, a->serve.fix_listen);
	cr_assert_eq(b->n_clients, 2);
	cr_assert_eq(b->n_fix_clients, 2);
	for (uint32_t i = 0; i < a->n_clients; i++) {
		const struct xr_client_cfg *x = &a->clients[i], *y = &b->clients[i];
		cr_assert_str_eq(x->name, y->name);
		cr_assert_eq(x->uid, y->uid);
		cr_assert_eq(x->users.all, y->users.all);
		cr_assert_eq(x->users.n, y->users.n);
		for (uint32_t k = 0; k < x->users.n; k++)
			cr_assert_eq(x->users.ids[k], y->users.ids[k]);
	}
	for (uint32_t i = 0; i < a->n_fix_clients; i++) {
		const struct xr_fix_client_cfg *x = &a->fix_clients[i], *y = &b->fix_clients[i];
		cr_assert_str_eq(x->name, y->name);
		cr_assert_str_eq(x->begin_string, y->begin_string);
		cr_assert_str_eq(x->sender_comp_id, y->sender_comp_id);
		cr_assert_str_eq(x->target_comp_id, y->target_comp_id);
		cr_assert_eq(x->users.all, y->users.all);
		cr_assert_eq(x->users.n, y->users.n);
		for (uint32_t k = 0; k < x->users.n; k++)
			cr_assert_eq(x->users.ids[k], y->users.ids[k]);
		cr_assert_eq(x->default_user, y->default_user);
		cr_assert_str_eq(x->seq_store, y->seq_store);
		cr_assert_eq(x->heartbeat_s, y->heartbeat_s);
		cr_assert_eq(x->max_frame_bytes, y->max_frame_bytes);
	}
	free(p);
	xr_config_free(a);
	xr_config_free(b);
}

Test(config_serve, client_uid_defaults_to_the_loaders)
{
	struct xr_config *cfg = load_ok(USERS3 "[client c1]\nusers = u1\n");
	cr_assert_eq(cfg->clients[0].uid, (uint32_t)getuid());
	xr_config_free(cfg);
}
