/* A table's settings (SPEC §7, §8, §9, §10, §11, §12): what they hold, and
 * their text form — the names and values of the user.ddb.* attributes (and
 * of UpdateTable later) parsed, checked and rendered in one place. Pure. */
#ifndef LAY_SETTINGS_H
#define LAY_SETTINGS_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "stream.h"

typedef enum lay_billing { LAY_PAY_PER_REQUEST = 0, LAY_PROVISIONED = 1 } lay_billing;
typedef enum lay_class { LAY_STANDARD = 0, LAY_STANDARD_IA = 1 } lay_class;

/* Every field has a valid zero default. */
typedef struct lay_settings {
	lay_billing billing;
	uint32_t rcu, wcu;       /* provisioned capacity, >= 1 when PROVISIONED */
	int autoscaling;         /* 0 off */
	uint32_t as_min, as_max, as_target;
	lay_class table_class;
	char ttl_attr[256];      /* "" disables TTL */
	lay_view stream_view;    /* LAY_VIEW_OFF: no stream */
	int64_t stream_created_ns; /* when the current stream was enabled (set by
	                            * the engine when the view changes) */
	int pitr;                /* 0 off */
	int64_t pitr_since_ns;   /* when PITR was last turned on (the engine's) */
	int64_t class_changed_ns[2]; /* the last two table class changes, newest
	                              * first; 0: none (the engine's) */
} lay_settings;

/* "PROVISIONED" / "PAY_PER_REQUEST"; "STANDARD" / "STANDARD_INFREQUENT_ACCESS". */
const char *lay_billing_name(lay_billing b);
const char *lay_class_name(lay_class c);

/*
 * Set the setting called name ("billing_mode", "rcu", "wcu", "autoscaling",
 * "table_class", "ttl_attribute", "stream", "pitr") from its text value
 * (NUL-terminated), as SPEC §7 writes it. Switching to PROVISIONED gives
 * rcu and wcu of 0 the default 5. -EINVAL with a message naming the value
 * on a bad one (s unchanged); -ENOTSUP for a name that is no setting.
 */
int lay_settings_set(lay_settings *s, const char *name, const char *value, lay_err *err);

/* Append the text value of the setting called name (as lay_settings_set
 * takes it). 0, -ENOTSUP for a name that is no setting, -ENOMEM. */
int lay_settings_get(const lay_settings *s, const char *name, lay_buf *out);

/* The settings' names in SPEC §7's order, NULL-terminated. */
extern const char *const lay_settings_names[];

/* Whether s as a whole is valid (what a stored record may hold): 0 or
 * -EINVAL with a message naming the field. */
int lay_settings_check(const lay_settings *s, lay_err *err);

#endif
