/* Errors that travel with a human message (SPEC §5, §17): every layer fills
 * a lay_err and returns the same negative errno. */
#ifndef LAY_ERR_H
#define LAY_ERR_H

#define LAY_ERR_MSG 512

typedef struct lay_err {
	int code;               /* negative errno, 0 when unset */
	char msg[LAY_ERR_MSG];  /* human-readable, names the offending value */
} lay_err;

/*
 * Record an error: sets err->code = code and formats msg. err may be NULL.
 * Returns code, so callers write `return lay_err_set(err, -EINVAL, "...")`.
 */
int lay_err_set(lay_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear err (code 0, empty message). err may be NULL. */
void lay_err_clear(lay_err *err);

/* The errno's symbolic name ("EINVAL"); "E?" for an unknown one. Accepts
 * positive or negative values. Static storage. */
const char *lay_errno_name(int code);

#endif
