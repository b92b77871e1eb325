/* Error struct helpers: the message that goes with every negative errno. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int lay_err_set(lay_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void lay_err_clear(lay_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *lay_errno_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },       { ENOENT, "ENOENT" },   { EIO, "EIO" },
		{ E2BIG, "E2BIG" },       { EBADF, "EBADF" },     { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },     { EACCES, "EACCES" },   { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },     { EXDEV, "EXDEV" },     { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" },     { EINVAL, "EINVAL" },   { EFBIG, "EFBIG" },
		{ EMFILE, "EMFILE" },     { ENFILE, "ENFILE" },
		{ ENOSPC, "ENOSPC" },     { EROFS, "EROFS" },     { ERANGE, "ERANGE" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },                 { ENOSYS, "ENOSYS" },
		{ ENOTEMPTY, "ENOTEMPTY" },                       { ENODATA, "ENODATA" },
		{ ENOTSUP, "ENOTSUP" },   { ESTALE, "ESTALE" },   { EOVERFLOW, "EOVERFLOW" },
		{ ECANCELED, "ECANCELED" }, { EBADMSG, "EBADMSG" }, { ENOTCONN, "ENOTCONN" },
	};
	size_t i;

	if (code < 0)
		code = -code;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "E?";
}
