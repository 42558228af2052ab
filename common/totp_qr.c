/* totp_qr.c - the QR code of an otpauth:// URI as an SVG drawn here
 * (libqrencode makes the modules; no image service, nothing third-party). */
#include <errno.h>
#include <stdio.h>

#include <qrencode.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/totp.h"

/* Quiet zone around the code, in modules (ISO/IEC 18004 asks for 4). */
#define QUIET 4

int totp_qr_svg(const char *text, const char *label, struct buf *out, struct err *e)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return err_sys(e, "cannot make the QR code");
	int size = qr->width + 2 * QUIET, rc = 0;
	/* label is the caller's escaped text (an aria-label): the only string
	 * put in it here besides numbers. */
	rc |= buf_printf(out,
			 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" "
			 "aria-label=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
			 "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
			 "fill=\"#fff\"/><path fill=\"#000\" d=\"",
			 label, size, size, size * 4, size * 4, size, size);
	for (int y = 0; y < qr->width && rc == 0; y++)
		for (int x = 0; x < qr->width && rc == 0; x++)
			if (qr->data[y * qr->width + x] & 1)
				rc |= buf_printf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	if (rc == 0)
		rc |= buf_puts(out, "\"/></svg>");
	QRcode_free(qr);
	return rc == 0 ? 0 : err_set(e, "the QR code does not fit in the page");
}
