/* The actions on backups and restores (SPEC §12, §14): CreateBackup,
 * DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup and
 * RestoreTableToPointInTime, in DynamoDB's shapes, on the backups the
 * files show in MNT/T/.snapshots and .ddbfs/backups. Summaries and ARNs
 * are the engine's (eng_backups_describe). */
#include "engine.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/describe.h"
#include "../layout/json.h"
#include "../layout/settings.h"
#include "api_check.h"
#include "api_table.h"

/* Every backup of table (NULL: of all tables) as ListBackups' summaries
 * render them: *out, the BackupSummaries array (cJSON_Delete it). */
static int summaries(struct call *c, const char *table, cJSON **out)
{
	lay_buf b = LAY_BUF_INIT;
	cJSON *all = NULL;
	int rc;

	*out = NULL;
	if ((rc = eng_backups_describe(c->db, table, &b, c->err)) == 0 &&
	    (!(all = cJSON_ParseWithLength(b.p, b.len)) ||
	     !(*out = cJSON_DetachItemFromObjectCaseSensitive(all, "BackupSummaries"))))
		rc = api_nomem(c);
	cJSON_Delete(all);
	lay_buf_free(&b);
	return rc;
}

/* The backup arn names (arn:...:table/T/backup/ID, or its last part the
 * backup's name): its summary, detached from *list (both to cJSON_Delete),
 * and its engine description. BackupNotFoundException if none. */
static int find_backup(struct call *c, const char *arn, cJSON **list, cJSON **out,
		       eng_backup_info *info)
{
	const char *path = api_table_of(arn), *id = strstr(path, "/backup/");
	char table[256];
	cJSON *s;
	int rc;

	*list = *out = NULL;
	if (!id || (size_t)(id - path) >= sizeof(table))
		return api_fail(c, "ValidationException", "%s", "Invalid Backup ARN");
	snprintf(table, sizeof(table), "%.*s", (int)(id - path), path);
	id += strlen("/backup/");
	if ((rc = summaries(c, table, list)) < 0)
		return rc;
	cJSON_ArrayForEach(s, *list) {
		const char *a = api_str(s, "BackupArn"), *n = api_str(s, "BackupName");

		if ((a && strcmp(api_table_of(a), path) == 0) || (n && strcmp(n, id) == 0))
			break;
	}
	if (!s || eng_backup_get(c->db, table, api_str(s, "BackupName"), info, c->err) < 0) {
		cJSON_Delete(*list);
		*list = NULL;
		return api_fail(c, "BackupNotFoundException", "Backup not found: %s", arn);
	}
	*out = cJSON_DetachItemViaPointer(*list, s);
	return 0;
}

/* BackupDetails of a summary s, its status status (NULL: as it is). */
static cJSON *backup_details(const cJSON *s, const char *status)
{
	static const char *const members[] = {
		"BackupArn",
		"BackupName",
		"BackupSizeBytes",
		"BackupStatus",
		"BackupType",
		"BackupCreationDateTime",
		"BackupExpiryDateTime",
		NULL,
	};
	cJSON *d = cJSON_CreateObject();
	size_t i;

	for (i = 0; d && members[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, members[i]);

		if (status && strcmp(members[i], "BackupStatus") == 0)
			cJSON_AddStringToObject(d, members[i], status);
		else if (v)
			cJSON_AddItemToObject(d, members[i], cJSON_Duplicate(v, 1));
	}
	return d;
}

/* Move member from of src to dst as to. */
static void take(cJSON *dst, const char *to, cJSON *src, const char *from)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(src, from);

	if (v)
		cJSON_AddItemToObject(dst, to, v);
}

/* Append {"BackupDescription":{BackupDetails, SourceTableDetails,
 * SourceTableFeatureDetails}} of the backup summary s (info: the engine's). */
static int add_backup_description(struct call *c, const cJSON *s, const eng_backup_info *info,
				  const char *status)
{
	eng_req rq = { .view = ENG_VIEW_BACKUP, .backup = info->id };
	cJSON *d = NULL, *all = cJSON_CreateObject(), *src = cJSON_CreateObject(), *pt, *b;
	int rc;

	if (!all || !src) {
		cJSON_Delete(all);
		cJSON_Delete(src);
		return api_nomem(c);
	}
	cJSON_AddItemToObject(all, "BackupDetails", backup_details(s, status));
	cJSON_AddItemToObject(all, "SourceTableDetails", src);
	cJSON_AddItemToObject(all, "SourceTableFeatureDetails", cJSON_CreateObject());
	/* the table as the backup holds it */
	if ((rc = api_describe(c, &rq, info->table, &d)) == 0) {
		/* (its TableId is the backup's own copy's: left out) */
		take(src, "TableName", d, "TableName");
		take(src, "TableArn", d, "TableArn");
		take(src, "TableSizeBytes", d, "TableSizeBytes");
		take(src, "KeySchema", d, "KeySchema");
		take(src, "TableCreationDateTime", d, "CreationDateTime");
		pt = cJSON_GetObjectItemCaseSensitive(d, "ProvisionedThroughput");
		cJSON_AddItemToObject(src, "ProvisionedThroughput", cJSON_CreateObject());
		take(cJSON_GetObjectItemCaseSensitive(src, "ProvisionedThroughput"),
		     "ReadCapacityUnits", pt, "ReadCapacityUnits");
		take(cJSON_GetObjectItemCaseSensitive(src, "ProvisionedThroughput"),
		     "WriteCapacityUnits", pt, "WriteCapacityUnits");
		take(src, "ItemCount", d, "ItemCount");
		b = cJSON_GetObjectItemCaseSensitive(d, "BillingModeSummary");
		take(src, "BillingMode", b, "BillingMode");
		cJSON_Delete(d);
	}
	rc = rc < 0			     ? rc
	     : lay_buf_addc(c->out, '{') < 0 ? api_nomem(c)
					     : api_add_json(c, "BackupDescription", all);
	cJSON_Delete(all);
	return rc == 0 && lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : rc;
}

static int create_backup(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *name, *bname;
	eng_backup_info info;
	cJSON *list, *s;
	int rc;

	if ((rc = api_start(c, "CreateBackup", 1)) < 0)
		return rc;
	if ((rc = api_get_table(&k, "TableName", "tableName", &name)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "BackupName", "backupName", 1, &bname)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	api_check_name(&k, bname, "backupName");
	if ((rc = api_checks_done(&k)) < 0)
		return rc;
	if ((rc = eng_backup_create(c->db, &c->req, name, bname, &info, c->err)) < 0) {
		if (rc == -EEXIST || rc == -EINVAL)
			c->type = "ValidationException";
		return api_table_fail(c, rc, "TableNotFoundException", name);
	}
	if ((rc = summaries(c, name, &list)) < 0)
		return rc;
	cJSON_ArrayForEach(s, list) {
		const char *n = api_str(s, "BackupName");

		if (n && strcmp(n, info.name) == 0)
			break;
	}
	rc = !s ? lay_err_set(c->err, -EIO, "backup %s of %s is not listed", bname, name)
	     : lay_buf_addc(c->out, '{') < 0 ? api_nomem(c)
					     : 0;
	if (rc == 0) {
		cJSON *d = backup_details(s, NULL);

		rc = d ? api_add_json(c, "BackupDetails", d) : api_nomem(c);
		cJSON_Delete(d);
		if (rc == 0 && lay_buf_addc(c->out, '}') < 0)
			rc = api_nomem(c);
	}
	cJSON_Delete(list);
	return rc;
}

static int describe_backup(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *arn;
	eng_backup_info info;
	cJSON *list, *s;
	int rc;

	if ((rc = api_get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = api_checks_done(&k)) < 0 || (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	rc = add_backup_description(c, s, &info, NULL);
	cJSON_Delete(s);
	cJSON_Delete(list);
	return rc;
}

static int delete_backup(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *arn;
	eng_backup_info info;
	cJSON *list, *s;
	lay_buf saved = LAY_BUF_INIT;
	int rc;

	if ((rc = api_start(c, "DeleteBackup", 1)) < 0)
		return rc;
	if ((rc = api_get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = api_checks_done(&k)) < 0 || (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	if (info.type == ENG_BACKUP_SYSTEM) {
		/* as DynamoDB: it expires by itself (the files may still rmdir it) */
		char when[40];

		lay_time_iso(when, sizeof(when), info.expires_ns);
		rc = api_fail(c, "ValidationException",
			      "Invalid Request: User is not allowed to delete the system backup with "
			      "arn %s. It will automatically expire on %s",
			      arn, when);
		goto out;
	}
	/* described before it goes, answered after */
	{
		lay_buf *out = c->out;

		c->out = &saved;
		rc = add_backup_description(c, s, &info, "DELETED");
		c->out = out;
	}
	if (rc == 0 && (rc = eng_backup_delete(c->db, &c->req, info.table, info.name, c->err)) < 0)
		rc = rc == -ENOENT
			 ? api_fail(c, "BackupNotFoundException", "Backup not found: %s", arn)
			 : rc;
	if (rc == 0 && lay_buf_add(c->out, saved.p, saved.len) < 0)
		rc = api_nomem(c);
out:
	lay_buf_free(&saved);
	cJSON_Delete(s);
	cJSON_Delete(list);
	return rc;
}

static int list_backups(struct call *c)
{
	static const char *const types[] = { "USER", "SYSTEM", "AWS_BACKUP", "ALL", NULL };
	struct api_checks k = API_CHECKS_INIT(c);
	const char *table, *type, *after;
	int64_t limit, lower = -1, upper = -1;
	cJSON *list, *page = NULL, *s, *next;
	char *text;
	int shown = 0, skipping, rc;

	if ((rc = api_get_str(&k, c->rq, "TableName", "tableName", 0, &table)) < 0 ||
	    (rc = api_get_long(&k, c->rq, "Limit", "limit", 0, 1, 100, &limit)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "BackupType", "backupType", 0, &type)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "ExclusiveStartBackupArn", "exclusiveStartBackupArn", 0,
			      &after)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (table)
		api_check_name(&k, table = api_table_of(table), "tableName");
	api_check_enum(&k, type, "backupType", types);
	if ((rc = api_checks_done(&k)) < 0 ||
	    (rc = api_get_time(c, c->rq, "TimeRangeLowerBound", &lower)) < 0 ||
	    (rc = api_get_time(c, c->rq, "TimeRangeUpperBound", &upper)) < 0)
		return rc;
	if (lower >= 0 && upper >= 0 && lower > upper)
		return api_fail(c, "ValidationException", "%s",
				API_INVALID "Time range lower bound must be less than or equal to "
					    "upper bound");
	if (limit < 0)
		limit = 100;
	if (!type)
		type = "USER";
	if ((rc = summaries(c, table, &list)) < 0)
		return rc;
	if (!(page = cJSON_CreateArray()))
		goto out_nomem;
	skipping = after != NULL;
	for (s = list->child; s; s = next) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "BackupCreationDateTime");
		const char *arn = api_str(s, "BackupArn");
		int64_t at =
		    cJSON_IsNumber(t) ? (int64_t)llround(t->valuedouble * 1e3) * 1000000 : 0;

		next = s->next;
		if (skipping) {
			skipping = !arn || strcmp(api_table_of(arn), api_table_of(after)) != 0;
			continue;
		}
		/* the bounds: from lower (inclusive) to upper (exclusive) */
		if ((strcmp(type, "ALL") != 0 && strcmp(type, api_str(s, "BackupType")) != 0) ||
		    (lower >= 0 && at < lower) || (upper >= 0 && at >= upper))
			continue;
		if (shown == limit) {
			shown = -1; /* more follow */
			break;
		}
		cJSON_AddItemToArray(page, cJSON_DetachItemViaPointer(list, s));
		shown++;
	}
	if (!(text = cJSON_PrintUnformatted(page)))
		goto out_nomem;
	rc = lay_buf_adds(c->out, "{\"BackupSummaries\":") || lay_buf_adds(c->out, text);
	free(text);
	if (!rc && shown < 0) {
		const char *last =
		    api_str(cJSON_GetArrayItem(page, cJSON_GetArraySize(page) - 1), "BackupArn");

		rc = lay_buf_adds(c->out, ",\"LastEvaluatedBackupArn\":") ||
		     lay_json_quote(c->out, last ? last : "", last ? strlen(last) : 0);
	}
	if (rc || lay_buf_addc(c->out, '}') < 0)
		goto out_nomem;
	cJSON_Delete(page);
	cJSON_Delete(list);
	return 0;
out_nomem:
	cJSON_Delete(page);
	cJSON_Delete(list);
	return api_nomem(c);
}

/* ---- Restores ---- */

/* The restored table's overrides of billing (the settings of a restored
 * table are new, as in DynamoDB), then its description with a
 * RestoreSummary: {"TableDescription":...}. */
static int answer_restore(struct call *c, const char *target, const char *mode,
			  const struct api_throughput *pt, const char *backup_arn,
			  const char *source)
{
	eng_table_info ti;
	lay_settings s;
	cJSON *d, *sum;
	const char *tarn;
	char arn[400];
	int rc;

	if (mode || pt->given) {
		if ((rc = eng_table_get(c->db, NULL, target, &ti, c->err)) < 0)
			return rc;
		s = ti.settings;
		if ((rc = api_billing(c, mode, pt, 0, &s)) < 0 ||
		    (rc = eng_table_set_settings(c->db, &c->req, target, &s, c->err)) < 0)
			return rc;
	}
	if ((rc = api_describe(c, NULL, target, &d)) < 0)
		return rc;
	if (!(sum = cJSON_AddObjectToObject(d, "RestoreSummary"))) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if (backup_arn)
		cJSON_AddStringToObject(sum, "SourceBackupArn", backup_arn);
	/* the source table's ARN, written as the target's is */
	tarn = api_str(d, "TableArn") ? api_str(d, "TableArn") : "";
	snprintf(arn, sizeof(arn), "%.*s%s", (int)(api_table_of(tarn) - tarn), tarn, source);
	cJSON_AddStringToObject(sum, "SourceTableArn", arn);
	cJSON_AddNumberToObject(sum, "RestoreDateTime",
				(double)(eng_clock_now_ns(eng_db_clock(c->db)) / 1000000) / 1e3);
	cJSON_AddBoolToObject(sum, "RestoreInProgress", 0);
	if (lay_buf_addc(c->out, '{') < 0) {
		cJSON_Delete(d);
		return api_nomem(c);
	}
	if ((rc = api_add_table(c, "TableDescription", d, "ACTIVE")) < 0)
		return rc;
	return lay_buf_addc(c->out, '}') < 0 ? api_nomem(c) : 0;
}

/* What restores share: TargetTableName, the overrides, and no indexes. */
static int restore_args(struct api_checks *k, const char **target, const char **mode,
			struct api_throughput *pt)
{
	int rc;

	if ((rc = api_get_table(k, "TargetTableName", "targetTableName", target)) < 0 ||
	    (rc = api_get_str(k, k->c->rq, "BillingModeOverride", "billingModeOverride", 0, mode)) <
		0 ||
	    (rc = api_get_throughput(k, k->c->rq, "ProvisionedThroughputOverride",
				     "provisionedThroughputOverride", pt)) < 0)
		return rc;
	api_check_enum(k, *mode, "billingModeOverride", api_billing_modes);
	return 0;
}

/* The overrides, checked before anything is restored: a throughput goes
 * with PROVISIONED and only with it. */
static int check_overrides(struct call *c, const char *mode, const struct api_throughput *pt)
{
	lay_settings s = { 0 };
	int prov = mode && strcmp(mode, "PROVISIONED") == 0;

	if (mode && !prov && pt->given)
		return api_fail(c, "ValidationException", "%s",
				"Invalid Request: Cannot override ProvisionedThroughput if BillingMode "
				"is overridden to PAY_PER_REQUEST");
	if (prov && !pt->given)
		return api_fail(c, "ValidationException", "%s",
				"Invalid Request: Must override ProvisionedThroughput if BillingMode "
				"is overridden to PROVISIONED");
	if (!mode && pt->given)
		return api_fail(c, "ValidationException", "%s",
				"Invalid Request: Cannot override ProvisionedThroughput unless "
				"BillingMode is PROVISIONED");
	return api_billing(c, mode, pt, 0, &s);
}

static int restored(struct call *c, int rc, const char *target)
{
	if (rc == -EEXIST)
		return api_fail(c, "TableAlreadyExistsException", "Table already exists: %s",
				target);
	if (rc == -EINVAL)
		c->type = "ValidationException";
	return rc;
}

static int restore_backup(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *target, *mode, *arn;
	struct api_throughput pt;
	eng_backup_info info;
	eng_req rq;
	cJSON *list, *s;
	int rc;

	if ((rc = api_start(c, "RestoreTableFromBackup", 1)) < 0)
		return rc;
	if ((rc = restore_args(&k, &target, &mode, &pt)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "BackupArn", "backupArn", 1, &arn)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if ((rc = api_checks_done(&k)) < 0 || (rc = check_overrides(c, mode, &pt)) < 0 ||
	    (rc = api_unsupported(c, (const char *const[]){ "GlobalSecondaryIndexOverride",
							    "LocalSecondaryIndexOverride",
							    NULL })) < 0 ||
	    (rc = find_backup(c, arn, &list, &s, &info)) < 0)
		return rc;
	cJSON_Delete(s);
	cJSON_Delete(list);
	if (eng_table_get(c->db, NULL, target, &(eng_table_info){ 0 }, c->err) == 0)
		return restored(c, -EEXIST, target);
	rq = c->req;
	rq.view = ENG_VIEW_BACKUP;
	rq.backup = info.id;
	if ((rc = eng_table_restore(c->db, &rq, info.table, target, c->err)) < 0)
		return restored(c, rc, target);
	return answer_restore(c, target, mode, &pt, arn, info.table);
}

static int restore_point(struct call *c)
{
	struct api_checks k = API_CHECKS_INIT(c);
	const char *target, *mode, *source, *source_arn;
	struct api_throughput pt;
	int64_t at = -1, earliest, latest;
	eng_table_info ti;
	eng_req rq;
	int latest_time, rc;

	if ((rc = api_start(c, "RestoreTableToPointInTime", 1)) < 0)
		return rc;
	if ((rc = restore_args(&k, &target, &mode, &pt)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "SourceTableName", "sourceTableName", 0, &source)) < 0 ||
	    (rc = api_get_str(&k, c->rq, "SourceTableArn", "sourceTableArn", 0, &source_arn)) < 0 ||
	    (rc = api_get_bool(&k, c->rq, "UseLatestRestorableTime", "useLatestRestorableTime", 0,
			       &latest_time)) < 0) {
		lay_buf_free(&k.msg);
		return rc;
	}
	if (source)
		api_check_name(&k, source, "sourceTableName");
	if ((rc = api_checks_done(&k)) < 0 ||
	    (rc = api_get_time(c, c->rq, "RestoreDateTime", &at)) < 0 ||
	    (rc = check_overrides(c, mode, &pt)) < 0)
		return rc;
	if (!source == !source_arn)
		return api_fail(c, "ValidationException", "%s",
				"Must provide exactly one of: sourceTableArn, sourceTableName");
	if (!source)
		source = api_table_of(source_arn);
	if ((latest_time > 0) == (at >= 0))
		return api_fail(c, "ValidationException", "%s",
				"Invalid Request: Either one of RestoreDateTime or "
				"UseLatestRestorableTime must be specified, but not both");
	if ((rc = api_unsupported(c, (const char *const[]){ "GlobalSecondaryIndexOverride",
							    "LocalSecondaryIndexOverride",
							    NULL })) < 0)
		return rc;
	if ((rc = eng_table_get(c->db, NULL, source, &ti, c->err)) < 0) {
		if (rc == -ENOENT)
			return api_fail(c, "SourceTableNotFoundException",
					"Source table not found: %s", source);
		return rc;
	}
	if (!ti.settings.pitr)
		return api_fail(c, "PointInTimeRecoveryUnavailableException",
				"Point in time recovery is not enabled for table '%s'", source);
	if ((rc = eng_table_pitr_window(c->db, source, &earliest, &latest, c->err)) < 0)
		return rc;
	if (at < 0)
		at = latest;
	if (at < earliest || at > latest) {
		char t[40], e[40], l[40];

		lay_time_iso(t, sizeof(t), at);
		lay_time_iso(e, sizeof(e), earliest);
		lay_time_iso(l, sizeof(l), latest);
		return api_fail(
		    c, "InvalidRestoreTimeException",
		    "Invalid RestoreDateTime: %s is not between the earliest restorable "
		    "time %s and the latest %s",
		    t, e, l);
	}
	if (eng_table_get(c->db, NULL, target, &ti, c->err) == 0)
		return restored(c, -EEXIST, target);
	rq = c->req;
	rq.view = ENG_VIEW_AS_OF;
	rq.as_of_ns = at;
	if ((rc = eng_table_restore(c->db, &rq, source, target, c->err)) < 0)
		return restored(c, rc, target);
	return answer_restore(c, target, mode, &pt, NULL, source);
}

const struct api_action api_backup_actions[] = {
	{ "CreateBackup", create_backup },
	{ "DescribeBackup", describe_backup },
	{ "ListBackups", list_backups },
	{ "DeleteBackup", delete_backup },
	{ "RestoreTableFromBackup", restore_backup },
	{ "RestoreTableToPointInTime", restore_point },
	{ NULL, NULL },
};
