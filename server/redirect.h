/* redirect.h - the one decision on where webmsgd may send a browser next
 * (Location, meta refresh, a "Continue" link) when the place comes from the
 * request: a path on this server and nothing else. */
#ifndef WEBMSGD_REDIRECT_H
#define WEBMSGD_REDIRECT_H

/* Longer targets are refused: no page of ours has an address this long. */
#define REDIRECT_TARGET_MAX 4096

/* 1 when target is "/", a path of plain segments and an optional query, as
 * RFC 3986 spells them, that every browser resolves to this server; 0 for
 * anything else: control characters (TAB too, which browsers drop), spaces,
 * backslashes, "#", bytes above 0x7f, empty, "." and ".." segments ("//",
 * "/./"), percent escapes that are malformed, not UTF-8 in its shortest form,
 * a control character or backslash, and in the path a slash, a dot or a
 * percent sign. Nothing is decoded or rewritten: what passes is sent as it is. */
int redirect_target_ok(const char *target);

/* target when redirect_target_ok, else fallback (a constant the caller
 * trusts). For addresses rebuilt from the request line (Force SSL). */
const char *redirect_target(const char *target, const char *fallback);

/* A "back" parameter: where to go once an action is done. The same as
 * redirect_target, and refused as well when it names an action rather than a
 * page (logon, logoff, the mode switch): going back there would repeat it or
 * loop. */
const char *redirect_back(const char *back, const char *fallback);

#endif
