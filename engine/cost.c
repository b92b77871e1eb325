/* What tables cost (SPEC §10): the prices are layout's (price.c); this
 * file gathers what they apply to. */
#include "cost.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/json.h"

int store_table_cost(eng_db *db, const eng_table_info *ti, const eng_capacity *cap,
		     lay_cost *out, lay_err *err)
{
	eng_backup_info *b = NULL;
	lay_usage u;
	int n, i;

	memset(&u, 0, sizeof(u));
	if ((n = eng_backup_list(db, ti->name, &b, err)) < 0)
		return n;
	for (i = 0; i < n; i++)
		u.backup_bytes += b[i].size_bytes;
	free(b);
	u.table_class = ti->settings.table_class;
	u.billing = ti->settings.billing;
	u.rcu = ti->settings.rcu;
	u.wcu = ti->settings.wcu;
	u.size_bytes = ti->size_bytes;
	u.item_count = ti->item_count;
	u.pitr = ti->settings.pitr;
	u.read_units = cap->read_units;
	u.write_units = cap->write_units;
	lay_cost_estimate(&u, out);
	return 0;
}

int eng_cost_describe(eng_db *db, lay_buf *out, lay_err *err)
{
	double total = 0;
	char **names;
	int n, i, shown = 0, rc = 0;

	if ((n = eng_table_list(db, &names)) < 0)
		return lay_err_set(err, n, "cannot list the tables: %s", strerror(-n));
	rc = lay_buf_adds(out, "{\"Currency\":\"USD\",\"Region\":\"us-east-1\",\"Tables\":{");
	for (i = 0; i < n && rc == 0; i++) {
		eng_table_info ti;
		eng_capacity cap;
		lay_cost c;

		if (eng_table_get(db, NULL, names[i], &ti, NULL) < 0)
			continue; /* deleted meanwhile */
		eng_table_capacity(db, names[i], &cap);
		if ((rc = store_table_cost(db, &ti, &cap, &c, err)) < 0)
			break;
		total += c.total;
		rc = (shown++ && lay_buf_addc(out, ',')) || lay_json_quote(out, names[i], strlen(names[i])) ||
		     lay_buf_addf(out, ":{\"TableClass\":\"%s\",\"BillingMode\":\"%s\",\"Cost\":",
				  lay_class_name(ti.settings.table_class),
				  lay_billing_name(ti.settings.billing)) ||
		     lay_cost_render(out, &c) || lay_buf_addc(out, '}');
		if (rc > 0)
			rc = -ENOMEM;
	}
	if (rc == 0 && lay_buf_addf(out, "},\"TotalUSD\":%.6f}\n", total))
		rc = -ENOMEM;
	eng_names_free(names);
	return rc;
}
