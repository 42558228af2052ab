/* migrations.h - the schema migrations built in from share/sql/. */
#ifndef WEBMSG_MIGRATIONS_H
#define WEBMSG_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
