/* console_tree.c - what the console's tree holds, as the classic
 * administrator had it: the server, its domains, the services, SSL, the
 * configuration's history, logs, troubleshooting and the comparison with an
 * exported configuration file; and which screen each kind of node opens. */
#include <stdio.h>

#include "webmsg/err.h"
#include "webmsg/users.h"

#include "console/console.h"
#include "widgets/tree.h"

static const struct {
	enum node_kind kind;
	const struct screen *screen;
} screens[] = {
	{ NODE_SERVER, &screen_status },	{ NODE_DOMAINS, &screen_domains },
	{ NODE_DOMAIN, &screen_users },		{ NODE_SERVICES, &screen_status },
	{ NODE_WEBMSG, &screen_webmsg },	{ NODE_SSL, &screen_ssl_wizard },
	{ NODE_LOGS, &screen_logs },		{ NODE_TROUBLESHOOT, &screen_troubleshoot },
	{ NODE_HISTORY, &screen_history },	{ NODE_COMPARE, &screen_compare },
};

/* The fixed part of the tree; the domains go below NODE_DOMAINS. */
static const struct {
	int depth;
	enum node_kind kind;
	const char *label; /* NULL: the server's name */
} layout[] = {
	{ 0, NODE_SERVER, NULL },
	{ 1, NODE_DOMAINS, "Domains" },
	{ 1, NODE_SERVICES, "Services" },
	{ 2, NODE_WEBMSG, "Web Messaging" },
	{ 1, NODE_SSL, "SSL Configuration" },
	{ 1, NODE_HISTORY, "History" },
	{ 1, NODE_LOGS, "Logs" },
	{ 1, NODE_TROUBLESHOOT, "Troubleshoot" },
	/* Last, so that the rows above keep their places. */
	{ 1, NODE_COMPARE, "Compare with file" },
};

const struct screen *console_tree_screen(enum node_kind kind)
{
	for (size_t i = 0; i < sizeof(screens) / sizeof(screens[0]); i++)
		if (screens[i].kind == kind)
			return screens[i].screen;
	return &screen_status;
}

static int add_domain(const char *name, long users, void *arg)
{
	(void)users;
	return tree_add(arg, 2, NODE_DOMAIN, name, name) < 0;
}

int console_tree_build(struct tree *t, struct db *db, const char *server, struct err *e)
{
	tree_clear(t);
	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		if (tree_add(t, layout[i].depth, layout[i].kind,
			     layout[i].label ? layout[i].label : server, NULL) < 0)
			return err_set(e, "out of memory");
		if (layout[i].kind == NODE_DOMAINS && domain_list(db, add_domain, t, e) < 0)
			return -1;
	}
	return 0;
}
