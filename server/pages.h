/* pages.h - the page handlers the route table points at. Each answers one
 * group of paths with http.h's helpers; none calls back into http.c's request
 * handling or the route table. */
#ifndef WEBMSGD_PAGES_H
#define WEBMSGD_PAGES_H

#include <microhttpd.h>

#include "http.h"

/* A route's handler: rest is what follows the route's path (a folder route's
 * file name, else ""). */
typedef enum MHD_Result (*page_fn)(struct request *r, const char *rest);

/* page_logon.c */
enum MHD_Result page_logon(struct request *r, const char *rest);
enum MHD_Result page_logon_post(struct request *r, const char *rest);
/* The logon page as the answer to a request that needs a session. */
enum MHD_Result page_logon_required(struct request *r);

/* page_logoff.c */
enum MHD_Result page_logoff(struct request *r, const char *rest);

/* page_mode.c */
enum MHD_Result page_mode(struct request *r, const char *rest);

/* page_acme.c */
enum MHD_Result page_acme_challenge(struct request *r, const char *token);

/* page_static.c */
enum MHD_Result page_static(struct request *r, const char *rest);

/* page_list.c */
enum MHD_Result page_mail(struct request *r, const char *rest);
enum MHD_Result page_mail_action(struct request *r, const char *rest);

/* page_message.c */
enum MHD_Result page_mail_read(struct request *r, const char *rest);
enum MHD_Result page_mail_html(struct request *r, const char *rest);
enum MHD_Result page_mail_part(struct request *r, const char *rest);

/* page_folders.c */
enum MHD_Result page_folders(struct request *r, const char *rest);
enum MHD_Result page_folder_delete_ask(struct request *r, const char *rest);
enum MHD_Result page_folder_empty_ask(struct request *r, const char *rest);
enum MHD_Result page_mail_folder(struct request *r, const char *rest);

/* page_compose.c */
enum MHD_Result page_compose(struct request *r, const char *rest);
enum MHD_Result page_compose_send(struct request *r, const char *rest);

/* page_settings.c */
enum MHD_Result page_settings(struct request *r, const char *rest);
enum MHD_Result page_settings_post(struct request *r, const char *rest);

/* page_addresses.c */
enum MHD_Result page_addresses(struct request *r, const char *rest);

#endif
