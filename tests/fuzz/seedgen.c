/* Seeds that only the code can make (tests/fuzz/seeds.sh runs it): for
 * each item file named (DynamoDB JSON or plain JSON), its stored encoding
 * (fuzz_codec), its key values' key encodings (fuzz_keyenc) and file names
 * (fuzz_name), a stream record of it (fuzz_stream) and its lines in an
 * export's data files (fuzz_import_ddb, fuzz_import_ion), each written to
 * OUT/TARGET/ under a name made of its bytes' hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../layout/codec.h"
#include "../../layout/export.h"
#include "../../layout/json.h"
#include "../../layout/keyenc.h"
#include "../../layout/name.h"
#include "../../layout/stream.h"

static const char *out_dir;

/* Write len bytes of p (after a prefix of plen bytes) as a seed of target. */
static void seed(const char *target, const void *pre, size_t plen, const void *p, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;
	char path[4096];
	size_t i;
	FILE *f;

	for (i = 0; i < plen; i++)
		h = (h ^ ((const unsigned char *)pre)[i]) * 1099511628211ULL;
	for (i = 0; i < len; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
	snprintf(path, sizeof(path), "%s/%s/gen-%016llx", out_dir, target, h);
	if (!(f = fopen(path, "wb"))) {
		perror(path);
		exit(1);
	}
	fwrite(pre, 1, plen, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static int type_index(lay_type t)
{
	return t == LAY_S ? 0 : t == LAY_N ? 1 : t == LAY_B ? 2 : -1;
}

static void key_seeds(const lay_item *it)
{
	size_t i;

	for (i = 0; i < it->n && i < 4; i++) {
		const lay_value *v = &it->a[i].v;
		lay_buf b = LAY_BUF_INIT;
		unsigned char pre;
		int t = type_index(v->type), item;

		if (t < 0 || !v->len)
			continue;
		pre = (unsigned char)t;
		if (lay_keyenc(&b, v) == 0)
			seed("fuzz_keyenc", &pre, 1, b.p, b.len);
		for (item = 0; item < 2; item++) {
			lay_buf_reset(&b);
			pre = (unsigned char)(t | item << 2);
			if (lay_name_from_key(&b, v, item) >= 0)
				seed("fuzz_name", &pre, 1, b.p, b.len);
		}
		lay_buf_free(&b);
	}
}

static void stream_seed(lay_item *it)
{
	lay_item keys = { it->a, it->n < 2 ? it->n : 2, NULL };
	unsigned char head[17] = "\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\2";
	lay_stream_rec r = { .seq = 1, .event = 2, .view = LAY_VIEW_NEW_AND_OLD,
			     .region = "us-east-1", .keys = &keys, .old_image = it,
			     .new_image = it };
	lay_buf b = LAY_BUF_INIT;

	head[16] = 2 /* MODIFY */ | 3 << 3 /* NEW_AND_OLD_IMAGES */;
	lay_json_render(&b, &keys, LAY_FMT_DDB);
	b.p[--b.len] = '\0';
	lay_buf_addc(&b, '\0');
	lay_json_render(&b, it, LAY_FMT_DDB);
	b.p[b.len - 1] = '\0';
	lay_json_render(&b, it, LAY_FMT_DDB);
	seed("fuzz_stream", head, sizeof(head), b.p, b.len - 1);
	lay_buf_reset(&b);
	if (lay_stream_render(&b, &r) == 0)
		seed("fuzz_stream", "", 0, b.p, b.len);
	lay_buf_free(&b);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: seedgen OUT ITEM.json...\n");
		return 2;
	}
	out_dir = argv[1];
	for (i = 2; i < argc; i++) {
		char text[65536];
		FILE *f = fopen(argv[i], "rb");
		size_t len;
		lay_item it = LAY_ITEM_INIT;
		lay_err err = { 0, "" };
		lay_buf b = LAY_BUF_INIT;

		if (!f)
			continue;
		len = fread(text, 1, sizeof(text), f);
		fclose(f);
		if (lay_json_parse(&it, text, len, LAY_FMT_DDB, &err) < 0 &&
		    lay_json_parse(&it, text, len, LAY_FMT_PLAIN, &err) < 0)
			continue;
		if (it.n && lay_codec_encode(&b, &it) == 0)
			seed("fuzz_codec", "", 0, b.p, b.len);
		lay_buf_reset(&b);
		if (it.n && lay_export_item_line(&b, &it, LAY_EXPORT_DDB) == 0)
			seed("fuzz_import_ddb", "", 0, b.p, b.len);
		lay_buf_reset(&b);
		if (it.n && lay_export_item_line(&b, &it, LAY_EXPORT_ION) == 0)
			seed("fuzz_import_ion", "", 0, b.p, b.len);
		key_seeds(&it);
		if (it.n)
			stream_seed(&it);
		lay_buf_free(&b);
		lay_item_free(&it);
	}
	return 0;
}
