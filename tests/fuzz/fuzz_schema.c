/* Fuzz target: key schemas as the user.ddb.key_schema xattr and mkdir
 * take them (layout/schema.c, SPEC §2), and table and backup names. A
 * schema accepted formats to a text that parses to the same schema. */
#include "../../layout/schema.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size, 0);
	lay_schema s, back;
	lay_buf out = LAY_BUF_INIT;
	lay_err err = { 0, "" };
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&back, 0, sizeof(back));
	if ((rc = lay_schema_parse(&s, text, size, &err)) == 0) {
		FUZZ_CHECK(lay_schema_format(&out, &s) == 0);
		FUZZ_CHECK(lay_schema_parse(&back, out.p, out.len, &err) == 0);
		FUZZ_CHECK(strcmp(s.pk, back.pk) == 0 && s.pk_type == back.pk_type);
		FUZZ_CHECK(strcmp(s.sk, back.sk) == 0 && s.sk_type == back.sk_type);
	} else {
		FUZZ_CHECK_ERR(rc, &err);
	}
	if ((rc = lay_table_name_check(text, size, &err)) < 0)
		FUZZ_CHECK_ERR(rc, &err);
	if ((rc = lay_backup_name_check(text, size, &err)) < 0)
		FUZZ_CHECK_ERR(rc, &err);
	lay_buf_free(&out);
	free(text);
	return 0;
}
