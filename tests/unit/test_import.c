/* Imports (engine/import.c) are all or nothing: one that fails leaves no
 * table it made. */
#include <errno.h>

#include "../../layout/buf.h"
#include "dbtest.h"

/* A disk that holds 16 MB fills in the middle of an import into a new
 * table, after batches were written: the import fails with ENOSPC and the
 * table, with the items already written, is gone. */
static void test_import__a_failed_import_leaves_no_table(void)
{
	char *dir = dbt_tmpdir(), *src = dbt_tmpdir();
	char path[4200];
	eng_db_opts o = { 0 };
	lay_err err = { 0, "" };
	lay_schema sch = { .pk = "id", .pk_type = LAY_S };
	eng_import_opts io = { .src = path, .table = "Imp", .schema = &sch,
			       .format = ENG_IMPORT_CSV };
	eng_import_result res;
	eng_table_info ti;
	FILE *f;
	eng_db *db;
	int i, j;

	snprintf(path, sizeof(path), "%s/items.csv", src);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("id,pad\n", f);
	for (i = 0; i < 300; i++) {
		fprintf(f, "k%d,", i);
		for (j = 0; j < 100000; j++)
			fputc('x', f);
		fputc('\n', f);
	}
	fclose(f);
	o.maint_ms = -1;
	o.map_max = 16u << 20;
	db = dbt_open(dir, &o);
	memset(&res, 0, sizeof(res));
	CHECK_RC(eng_import(db, NULL, &io, &res, NULL, &err), -ENOSPC);
	CHECK(strstr(err.msg, "no space left") != NULL);
	CHECK_RC(eng_table_get(db, NULL, "Imp", &ti, &err), -ENOENT);

	eng_db_close(db);
	dbt_rmdir(dir);
	dbt_rmdir(src);
}

int main(void)
{
	RUN(test_import__a_failed_import_leaves_no_table);
	return check_done();
}
