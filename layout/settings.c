/* A table's settings as text (SPEC §7). */
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lay_settings_names[] = {
	"billing_mode", "rcu", "wcu", "autoscaling", "table_class", "ttl_attribute", "stream",
	"pitr", NULL,
};

const char *lay_billing_name(lay_billing b)
{
	return b == LAY_PROVISIONED ? "PROVISIONED" : "PAY_PER_REQUEST";
}

const char *lay_class_name(lay_class c)
{
	return c == LAY_STANDARD_IA ? "STANDARD_INFREQUENT_ACCESS" : "STANDARD";
}

/* A decimal from min to max, nothing else (no sign, no space). */
static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long x;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (*end || errno || x < min || x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int set_billing(lay_settings *s, const char *v, lay_err *err)
{
	if (strcmp(v, "PROVISIONED") == 0) {
		s->billing = LAY_PROVISIONED;
		if (!s->rcu)
			s->rcu = 5;
		if (!s->wcu)
			s->wcu = 5;
	} else if (strcmp(v, "PAY_PER_REQUEST") == 0) {
		s->billing = LAY_PAY_PER_REQUEST;
	} else {
		return lay_err_set(err, -EINVAL,
				   "billing_mode is PROVISIONED or PAY_PER_REQUEST, not %s", v);
	}
	return 0;
}

static int set_autoscaling(lay_settings *s, const char *v, lay_err *err)
{
	uint32_t mn, mx, tg;
	char a[16], b[16], c[16];
	int end = -1;

	if (strcmp(v, "off") == 0) {
		s->autoscaling = 0;
		return 0;
	}
	/* the whole value, nothing after it */
	if (sscanf(v, "min=%15[0-9],max=%15[0-9],target=%15[0-9]%n", a, b, c, &end) != 3 ||
	    end < 0 || v[end] != '\0' ||
	    parse_u32(a, 1, 40000, &mn) < 0 || parse_u32(b, 1, 40000, &mx) < 0 ||
	    parse_u32(c, 20, 90, &tg) < 0 || mn > mx)
		return lay_err_set(err, -EINVAL,
				   "autoscaling is off or min=N,max=N,target=P (P 20-90, "
				   "min <= max), not %s",
				   v);
	s->autoscaling = 1;
	s->as_min = mn;
	s->as_max = mx;
	s->as_target = tg;
	return 0;
}

static int set_view(lay_settings *s, const char *v, lay_err *err)
{
	lay_view i;

	for (i = LAY_VIEW_OFF; i <= LAY_VIEW_NEW_AND_OLD; i++) {
		if (strcmp(v, lay_view_name(i)) == 0) {
			s->stream_view = i;
			return 0;
		}
	}
	return lay_err_set(err, -EINVAL,
			   "stream is OFF, KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or "
			   "NEW_AND_OLD_IMAGES, not %s",
			   v);
}

static int set_onoff(int *field, const char *name, const char *v, lay_err *err)
{
	if (strcmp(v, "on") == 0)
		*field = 1;
	else if (strcmp(v, "off") == 0)
		*field = 0;
	else
		return lay_err_set(err, -EINVAL, "%s is on or off, not %s", name, v);
	return 0;
}

int lay_settings_set(lay_settings *s, const char *name, const char *v, lay_err *err)
{
	uint32_t x;

	if (strcmp(name, "billing_mode") == 0)
		return set_billing(s, v, err);
	if (strcmp(name, "rcu") == 0 || strcmp(name, "wcu") == 0) {
		if (parse_u32(v, 1, 40000, &x) < 0)
			return lay_err_set(err, -EINVAL, "%s is an integer from 1 to 40000, not %s",
					   name, v);
		*(name[0] == 'r' ? &s->rcu : &s->wcu) = x;
		return 0;
	}
	if (strcmp(name, "autoscaling") == 0)
		return set_autoscaling(s, v, err);
	if (strcmp(name, "table_class") == 0) {
		if (strcmp(v, lay_class_name(LAY_STANDARD)) == 0)
			s->table_class = LAY_STANDARD;
		else if (strcmp(v, lay_class_name(LAY_STANDARD_IA)) == 0)
			s->table_class = LAY_STANDARD_IA;
		else
			return lay_err_set(err, -EINVAL,
					   "table_class is STANDARD or STANDARD_INFREQUENT_ACCESS, "
					   "not %s",
					   v);
		return 0;
	}
	if (strcmp(name, "ttl_attribute") == 0) {
		if (strlen(v) >= sizeof(s->ttl_attr))
			return lay_err_set(err, -EINVAL, "ttl_attribute is 1-255 bytes");
		strcpy(s->ttl_attr, v);
		return 0;
	}
	if (strcmp(name, "stream") == 0)
		return set_view(s, v, err);
	if (strcmp(name, "pitr") == 0)
		return set_onoff(&s->pitr, name, v, err);
	return -ENOTSUP;
}

int lay_settings_get(const lay_settings *s, const char *name, lay_buf *o)
{
	if (strcmp(name, "billing_mode") == 0)
		return lay_buf_adds(o, lay_billing_name(s->billing));
	if (strcmp(name, "rcu") == 0)
		return lay_buf_addf(o, "%u", s->rcu);
	if (strcmp(name, "wcu") == 0)
		return lay_buf_addf(o, "%u", s->wcu);
	if (strcmp(name, "autoscaling") == 0)
		return s->autoscaling ? lay_buf_addf(o, "min=%u,max=%u,target=%u", s->as_min,
						     s->as_max, s->as_target)
				      : lay_buf_adds(o, "off");
	if (strcmp(name, "table_class") == 0)
		return lay_buf_adds(o, lay_class_name(s->table_class));
	if (strcmp(name, "ttl_attribute") == 0)
		return lay_buf_adds(o, s->ttl_attr);
	if (strcmp(name, "stream") == 0)
		return lay_buf_adds(o, lay_view_name(s->stream_view));
	if (strcmp(name, "pitr") == 0)
		return lay_buf_adds(o, s->pitr ? "on" : "off");
	return -ENOTSUP;
}

int lay_settings_check(const lay_settings *s, lay_err *err)
{
	if (s->billing != LAY_PAY_PER_REQUEST && s->billing != LAY_PROVISIONED)
		return lay_err_set(err, -EINVAL, "billing mode %d is unknown", (int)s->billing);
	if (s->billing == LAY_PROVISIONED && (s->rcu < 1 || s->wcu < 1))
		return lay_err_set(err, -EINVAL,
				   "PROVISIONED needs rcu and wcu of at least 1 (rcu %u, wcu %u)",
				   s->rcu, s->wcu);
	if (s->rcu > 40000 || s->wcu > 40000)
		return lay_err_set(err, -EINVAL, "rcu and wcu are at most 40000 (rcu %u, wcu %u)",
				   s->rcu, s->wcu);
	if (s->autoscaling && (s->as_min < 1 || s->as_max < s->as_min || s->as_max > 40000 ||
			       s->as_target < 20 || s->as_target > 90))
		return lay_err_set(err, -EINVAL,
				   "autoscaling needs 1 <= min <= max <= 40000 and a target of 20 "
				   "to 90 (min %u, max %u, target %u)",
				   s->as_min, s->as_max, s->as_target);
	if (s->table_class != LAY_STANDARD && s->table_class != LAY_STANDARD_IA)
		return lay_err_set(err, -EINVAL, "table class %d is unknown", (int)s->table_class);
	if (strnlen(s->ttl_attr, sizeof(s->ttl_attr)) >= sizeof(s->ttl_attr))
		return lay_err_set(err, -EINVAL, "the TTL attribute name is longer than 255 bytes");
	if ((int)s->stream_view < LAY_VIEW_OFF || s->stream_view > LAY_VIEW_NEW_AND_OLD)
		return lay_err_set(err, -EINVAL, "stream view type %d is unknown",
				   (int)s->stream_view);
	return 0;
}
