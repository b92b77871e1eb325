/* The verifier's rows of changes (SPEC §8, §12, §17): change records
 * decode and fit their events, the log and its index by key name each
 * other, and each table's stream runs without a gap, in sequence order
 * (log.c, asof.c and stream.c write them; check.c walks them). */
#include "check.h"

#include <errno.h>
#include <string.h>

#include "../layout/codec.h"
#include "../layout/stream.h"
#include "asof.h"

/* The log record's key values, wholly: 0, or -EINVAL. */
static int log_key(const asof_record *rec)
{
	lay_item arena = LAY_ITEM_INIT;
	lay_value pk, sk;
	size_t used = 0, used_sk = 0;
	int rc;

	rc = lay_codec_decode_value(&arena, &pk, &used, rec->key, rec->key_len, NULL);
	if (rc == 0 && rec->has_sk)
		rc = lay_codec_decode_value(&arena, &sk, &used_sk, rec->key + used,
					    rec->key_len - used, NULL);
	lay_item_free(&arena);
	return rc == 0 && used + used_sk == rec->key_len ? 0 : -EINVAL;
}

/* 1 if the images of rec decode and fit its event. */
static int log_images(const asof_record *rec)
{
	lay_item img = LAY_ITEM_INIT;
	int ok = 1;

	if (rec->old_len) {
		ok = lay_codec_decode(&img, rec->old, rec->old_len, NULL) == 0;
		lay_item_free(&img);
	}
	if (ok && rec->new_len) {
		ok = lay_codec_decode(&img, rec->new_img, rec->new_len, NULL) == 0;
		lay_item_free(&img);
	}
	if (!ok)
		return 0;
	switch (rec->event) {
	case ENG_INSERT:
		return !rec->old_len && rec->new_len;
	case ENG_MODIFY:
		return rec->old_len && rec->new_len;
	case ENG_REMOVE:
		return rec->old_len && !rec->new_len;
	}
	return 0;
}

int check_log_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char ik[IDX_KEY_LEN];
	char h[64], who[600];
	asof_record rec;
	struct owner *o;
	uint64_t seq;
	MDB_val got;
	int rc;

	if (k->mv_size != LOG_KEY_LEN) {
		check_problem(c, "log: a row's key is %zu bytes (%s), not 12", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "log", k)))
		return 0;
	c->st.log_rows++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	seq = store_rd64(kp + 4);
	if (seq > c->max_seq)
		c->max_seq = seq;
	if (o->kind != OWNER_TABLE)
		check_problem(c, "%s: change record %llu, but a backup keeps no change log", who,
			      (unsigned long long)seq);
	if (!seq)
		check_problem(c, "%s: change record number 0", who);
	if (asof_record_parse(v->mv_data, v->mv_size, &rec, NULL) < 0) {
		check_problem(c, "%s: change record %llu is corrupt", who, (unsigned long long)seq);
		return 0;
	}
	if (log_key(&rec) < 0)
		check_problem(c, "%s: change record %llu: its key is corrupt", who,
			      (unsigned long long)seq);
	if (!log_images(&rec))
		check_problem(c,
			      "%s: change record %llu: its images are corrupt or do not fit its "
			      "event %u",
			      who, (unsigned long long)seq, rec.event);
	if (c->logkeys_empty)
		return 0;
	store_be32(ik, o->tid);
	store_be64(ik + 4, asof_key_hash(rec.key, rec.key_len));
	store_be64(ik + 12, (uint64_t)rec.time_ns);
	store_be64(ik + 20, seq);
	if ((rc = check_lookup(c, c->db->logkeys, ik, sizeof(ik), &got, err)) < 0)
		return rc;
	if (!rc)
		check_problem(c, "%s: change record %llu is missing from the log's index", who,
			      (unsigned long long)seq);
	return 0;
}

int check_logkey_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const unsigned char *kp = k->mv_data;
	unsigned char lk[LOG_KEY_LEN];
	char h[64], who[600];
	asof_record rec;
	struct owner *o;
	uint64_t seq;
	MDB_val got;
	int rc;

	(void)v;
	if (k->mv_size != IDX_KEY_LEN) {
		check_problem(c, "logkeys: a row's key is %zu bytes (%s), not 28", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "logkeys", k)) || check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	seq = store_rd64(kp + 20);
	memcpy(lk, kp, 4);
	store_be64(lk + 4, seq);
	if ((rc = check_lookup(c, c->db->log, lk, sizeof(lk), &got, err)) < 0)
		return rc;
	if (!rc)
		check_problem(c,
			      "%s: the log's index names change record %llu, which the log lacks",
			      who, (unsigned long long)seq);
	else if (asof_record_parse(got.mv_data, got.mv_size, &rec, NULL) == 0 &&
		 (store_rd64(kp + 4) != asof_key_hash(rec.key, rec.key_len) ||
		  (int64_t)store_rd64(kp + 12) != rec.time_ns))
		check_problem(c,
			      "%s: the log's index entry of change record %llu is not its key's or "
			      "time's",
			      who, (unsigned long long)seq);
	return 0;
}

/* A stream row [tid][offset] -> [time][text]: the records of a table's
 * stream follow each other without a gap, in sequence order. */
int check_stream_row(struct chk *c, const MDB_val *k, const MDB_val *v, lay_err *err)
{
	const char *text = (const char *)v->mv_data + 8;
	char h[64], who[600];
	struct owner *o;
	uint64_t off, seq;
	size_t len;

	(void)err;
	if (k->mv_size != STREAM_KEY_LEN) {
		check_problem(c, "stream: a row's key is %zu bytes (%s), not 12", k->mv_size,
			      check_hex(h, sizeof(h), k->mv_data, k->mv_size));
		return 0;
	}
	if (!(o = check_row_owner(c, "stream", k)))
		return 0;
	c->st.stream_rows++;
	if (check_unfinished(o))
		return 0;
	check_owner_name(o, who, sizeof(who));
	off = store_rd64((const unsigned char *)k->mv_data + 4);
	if (o->kind != OWNER_TABLE)
		check_problem(c, "%s: stream record at %llu, but a backup has no stream", who,
			      (unsigned long long)off);
	if (v->mv_size < 9 || text[v->mv_size - 9] != '\n' ||
	    lay_stream_seq(text, v->mv_size - 8, &seq) < 0) {
		check_problem(c, "%s: stream record at offset %llu is corrupt", who,
			      (unsigned long long)off);
		o->has_stream = 0;
		return 0;
	}
	len = v->mv_size - 8;
	if (seq > c->max_seq)
		c->max_seq = seq;
	if (o->has_stream && off != o->stream_next)
		check_problem(c, "%s: stream record at offset %llu should be at %llu", who,
			      (unsigned long long)off, (unsigned long long)o->stream_next);
	if (o->has_stream && seq <= o->stream_seq)
		check_problem(
		    c, "%s: stream record at offset %llu has sequence number %llu, after %llu", who,
		    (unsigned long long)off, (unsigned long long)seq,
		    (unsigned long long)o->stream_seq);
	o->has_stream = 1;
	o->stream_next = off + len;
	o->stream_seq = seq;
	return 0;
}
