/* program.h - the name webmsg-admin goes by in what it tells the operator,
 * for the command line, the console and the shared modules alike. */
#ifndef WEBMSG_ADMIN_CORE_PROGRAM_H
#define WEBMSG_ADMIN_CORE_PROGRAM_H

#define PROGRAM_NAME "webmsg-admin"

#endif
