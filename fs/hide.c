/* Deferred deletes of rename(item, scratch) (SPEC §6). The scratch file
 * holds the item's text from the moment of the rename; the row goes when
 * the scratch does, or at unmount, unless the item is committed again
 * first (then the new commit is one MODIFY). So that a crash leaves the
 * content somewhere and the delete still happens, DATA_DIR/hidden.jsonl
 * lists the pending deletes, one JSON line each (table, key in DynamoDB
 * JSON, scratch path, hash of the row's DynamoDB JSON at the rename); it is
 * rewritten whole on each change (there are few: an editor's save). */
#include "hide.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../layout/hash.h"
#include "errlog.h"
#include "inode.h"
#include "scratch.h"

typedef struct hider {
	fs_node *s;      /* the scratch file; kept alive by its hides flag */
	char *table;     /* owned */
	lay_item keys;   /* arena of key */
	lay_key key;
	char *key_ddb;   /* owned: the key attributes in DynamoDB JSON */
	uint64_t hash;   /* of the row's DynamoDB JSON at the rename */
} hider;

/* A deferred delete journalled before its scratch file is in place
 * (fs_hide_expect): its journal line, ready. */
typedef struct expected {
	struct expected *next;
	char *line; /* owned, with its newline */
} expected;

/* Taken before fs.lock (the lock order is in fs.h). hiders and expects are
 * guarded by fs.lock. */
static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static hider *hiders;
static size_t nhiders, cap_hiders;
static expected *expects;
static char *journal, *journal_tmp;

static int key_equal(const lay_key *a, const lay_key *b)
{
	if (!lay_value_equal(&a->pk, &b->pk))
		return 0;
	if (!a->sk.type && !b->sk.type)
		return 1;
	return a->sk.type == b->sk.type && lay_value_equal(&a->sk, &b->sk);
}

/* Needs fs.lock. */
static hider *find(const char *table, const lay_key *key)
{
	size_t i;

	for (i = 0; i < nhiders; i++)
		if (strcmp(hiders[i].table, table) == 0 && key_equal(&hiders[i].key, key))
			return &hiders[i];
	return NULL;
}

/* Take entry h out of the list into *out. Needs fs.lock. */
static void take(hider *h, hider *out)
{
	*out = *h;
	out->s->hides = 0;
	*h = hiders[nhiders - 1];
	__atomic_store_n(&nhiders, nhiders - 1, __ATOMIC_RELAXED);
}

static void hider_free(hider *h)
{
	free(h->table);
	free(h->key_ddb);
	lay_item_free(&h->keys);
}

/* One journal line, with its newline, to out. A commit line is a
 * rename(scratch, item) under way: hash is the row's before it (0: none). */
static void journal_line(lay_buf *out, const char *table, const char *key_ddb, const char *path,
			 uint64_t hash, int commit)
{
	cJSON *line = cJSON_CreateObject();
	char htext[17], *s;

	snprintf(htext, sizeof(htext), "%016llx", (unsigned long long)hash);
	cJSON_AddStringToObject(line, "table", table);
	cJSON_AddItemToObject(line, "key", cJSON_CreateRaw(key_ddb));
	cJSON_AddStringToObject(line, "path", path);
	cJSON_AddStringToObject(line, "hash", htext);
	if (commit)
		cJSON_AddTrueToObject(line, "commit");
	if ((s = cJSON_PrintUnformatted(line))) {
		lay_buf_adds(out, s);
		lay_buf_addc(out, '\n');
		free(s);
	}
	cJSON_Delete(line);
}

/* Rewrite the journal from the lists. */
static void journal_write(void)
{
	lay_buf text = LAY_BUF_INIT, path = LAY_BUF_INIT;
	expected *e;
	size_t i;
	int fd;

	if (!journal)
		return;
	pthread_mutex_lock(&journal_lock);
	pthread_mutex_lock(&fs.lock);
	for (i = 0; i < nhiders; i++)
		if (fs_scratch_path_locked(&path, hiders[i].s, NULL) == 0)
			journal_line(&text, hiders[i].table, hiders[i].key_ddb, path.p, hiders[i].hash, 0);
	for (e = expects; e; e = e->next)
		lay_buf_adds(&text, e->line);
	pthread_mutex_unlock(&fs.lock);
	fd = open(journal_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text.p ? text.p : "", text.len) != (ssize_t)text.len ||
	    close(fd) < 0 || rename(journal_tmp, journal) < 0)
		fs_log("cannot write %s: %s", journal, strerror(errno));
	pthread_mutex_unlock(&journal_lock);
	lay_buf_free(&text);
	lay_buf_free(&path);
}

int fs_hide(fs_node *s, const char *table, const lay_key *key, const lay_buf *ddb)
{
	lay_buf ktext = LAY_BUF_INIT;
	lay_err err = { 0 };
	hider h = { 0 }, *grown;
	int rc;

	/* the key alone, in DynamoDB JSON, for the journal */
	if ((rc = eng_key_render(fs.db, NULL, table, key, &ktext, &err)) < 0)
		goto out;
	h.s = s;
	h.hash = lay_fnv1a(LAY_FNV_INIT, ddb->p, ddb->len);
	h.table = strdup(table);
	h.key_ddb = lay_buf_detach(&ktext, NULL);
	if (!h.table || !h.key_ddb || lay_value_copy(&h.keys, &h.key.pk, &key->pk) < 0 ||
	    (key->sk.type && lay_value_copy(&h.keys, &h.key.sk, &key->sk) < 0)) {
		rc = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&fs.lock);
	if (nhiders == cap_hiders) {
		size_t cap = cap_hiders ? cap_hiders * 2 : 16;

		if (!(grown = realloc(hiders, cap * sizeof(*hiders)))) {
			pthread_mutex_unlock(&fs.lock);
			rc = -ENOMEM;
			goto out;
		}
		hiders = grown;
		cap_hiders = cap;
	}
	s->hides = 1;
	hiders[nhiders] = h;
	__atomic_store_n(&nhiders, nhiders + 1, __ATOMIC_RELAXED);
	memset(&h, 0, sizeof(h));
	pthread_mutex_unlock(&fs.lock);
	journal_write();
out:
	hider_free(&h);
	lay_buf_free(&ktext);
	return rc;
}

/* Journal one expected line (expect and expect_commit); its token. */
static void *expect_line(const char *table, const lay_key *key, const char *path, uint64_t hash,
			 int commit)
{
	lay_buf ktext = LAY_BUF_INIT, line = LAY_BUF_INIT;
	lay_err err = { 0 };
	expected *e = NULL;

	if (eng_key_render(fs.db, NULL, table, key, &ktext, &err) < 0)
		goto out;
	journal_line(&line, table, ktext.p, path, hash, commit);
	if (!line.len || !(e = calloc(1, sizeof(*e))))
		goto out;
	e->line = lay_buf_detach(&line, NULL);
	pthread_mutex_lock(&fs.lock);
	e->next = expects;
	expects = e;
	pthread_mutex_unlock(&fs.lock);
	journal_write();
out:
	lay_buf_free(&ktext);
	lay_buf_free(&line);
	return e;
}

void *fs_hide_expect(const char *table, const lay_key *key, const lay_buf *ddb,
		     const lay_buf *path)
{
	return expect_line(table, key, path->p, lay_fnv1a(LAY_FNV_INIT, ddb->p, ddb->len), 0);
}

/* The hash of the row of key in its DynamoDB JSON; 0 if there is none. */
static uint64_t row_hash(const char *table, const lay_key *key)
{
	lay_item row = LAY_ITEM_INIT;
	lay_buf text = LAY_BUF_INIT;
	lay_err err = { 0 };
	uint64_t hash = 0;

	if (eng_item_get(fs.db, NULL, table, key, &row, NULL, &err) == 0 &&
	    lay_json_render(&text, &row, LAY_FMT_DDB) == 0)
		hash = lay_fnv1a(LAY_FNV_INIT, text.p, text.len);
	lay_item_free(&row);
	lay_buf_free(&text);
	return hash;
}

void *fs_hide_expect_commit(const char *table, const lay_key *key, const lay_buf *ddb,
			    const lay_buf *path)
{
	return expect_line(table, key, path->p, lay_fnv1a(LAY_FNV_INIT, ddb->p, ddb->len), 1);
}

void fs_hide_expect_end(void *token)
{
	expected **p;

	if (!token)
		return;
	pthread_mutex_lock(&fs.lock);
	for (p = &expects; *p && *p != token; p = &(*p)->next)
		;
	if (*p)
		*p = (*p)->next;
	pthread_mutex_unlock(&fs.lock);
	journal_write();
	free(((expected *)token)->line);
	free(token);
}

int fs_is_hidden(const char *table, const lay_key *key)
{
	int hidden;

	/* every put and every listed item asks: almost always, none hides */
	if (!__atomic_load_n(&nhiders, __ATOMIC_RELAXED))
		return 0;
	pthread_mutex_lock(&fs.lock);
	hidden = nhiders && find(table, key) != NULL;
	pthread_mutex_unlock(&fs.lock);
	return hidden;
}

void fs_unhide_key(const char *table, const lay_key *key)
{
	hider *h, gone = { 0 };

	pthread_mutex_lock(&fs.lock);
	if (nhiders && (h = find(table, key))) {
		take(h, &gone);
		fs_node_maybe_free(gone.s); /* not used after this */
	}
	pthread_mutex_unlock(&fs.lock);
	if (gone.table)
		journal_write();
	hider_free(&gone);
}

void fs_hide_drop(fs_node *s)
{
	hider gone = { 0 };
	lay_err err = { 0 };
	size_t i;
	int rc;

	pthread_mutex_lock(&fs.lock);
	for (i = 0; s->hides && i < nhiders; i++) {
		if (hiders[i].s == s) {
			take(&hiders[i], &gone);
			break;
		}
	}
	pthread_mutex_unlock(&fs.lock);
	if (!gone.s)
		return;
	rc = eng_item_delete(fs.db, NULL, gone.table, &gone.key, NULL, &err);
	if (rc < 0 && rc != -ENOENT)
		fs_log("deferred delete in %s failed: %s", gone.table, err.msg);
	journal_write();
	hider_free(&gone);
}

int fs_hide_table_renamed(const char *from, const char *to)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&fs.lock);
	for (i = 0; i < nhiders && rc == 0; i++) {
		char *copy;

		if (strcmp(hiders[i].table, from) != 0)
			continue;
		if (!(copy = strdup(to))) {
			rc = -ENOMEM;
			break;
		}
		free(hiders[i].table);
		hiders[i].table = copy;
	}
	pthread_mutex_unlock(&fs.lock);
	journal_write();
	return rc;
}

void fs_hide_moved(void)
{
	if (__atomic_load_n(&nhiders, __ATOMIC_RELAXED))
		journal_write();
}

/* At unmount: every deferred delete happens now. */
static void release_all(void)
{
	fs_node *s;

	for (;;) {
		pthread_mutex_lock(&fs.lock);
		s = nhiders ? hiders[nhiders - 1].s : NULL;
		pthread_mutex_unlock(&fs.lock);
		if (!s)
			break;
		fs_hide_drop(s);
	}
}

/* A rename(scratch, item) a crash cut short: if the row is what the
 * commit wrote, the scratch file goes too; otherwise (the commit did not
 * happen, or another commit came after) it stays. */
static void recover_commit(const char *table, const lay_key *key, const char *path,
			   const char *hash)
{
	char now[17];

	snprintf(now, sizeof(now), "%016llx", (unsigned long long)row_hash(table, key));
	if (strcmp(now, hash) == 0 && unlinkat(fs_scratch_root(), path, 0) < 0 && errno != ENOENT)
		fs_log("cannot remove %s, renamed to an item of %s: %s", path, table,
		       strerror(errno));
}

/* One journal line left by a crash: delete the row if its text is safe in
 * the scratch file and nobody committed it since. */
static void recover_one(const char *line)
{
	cJSON *j = cJSON_Parse(line), *table, *key, *path, *hash;
	lay_item kitem = LAY_ITEM_INIT, row = LAY_ITEM_INIT;
	lay_buf text = LAY_BUF_INIT;
	lay_err err = { 0 };
	struct stat st;
	lay_key k;
	char *ktext = NULL, want[17];

	table = cJSON_GetObjectItem(j, "table");
	key = cJSON_GetObjectItem(j, "key");
	path = cJSON_GetObjectItem(j, "path");
	hash = cJSON_GetObjectItem(j, "hash");
	if (!cJSON_IsString(table) || !key || !cJSON_IsString(path) || !cJSON_IsString(hash) ||
	    !(ktext = cJSON_PrintUnformatted(key)))
		goto bad;
	if (eng_key_parse(fs.db, NULL, table->valuestring, ktext, strlen(ktext), &kitem, &k, &err) < 0)
		goto bad;
	if (cJSON_IsTrue(cJSON_GetObjectItem(j, "commit"))) {
		recover_commit(table->valuestring, &k, path->valuestring, hash->valuestring);
		goto out;
	}
	if (eng_item_get(fs.db, NULL, table->valuestring, &k, &row, NULL, &err) < 0)
		goto out; /* deleted already */
	if (fstatat(fs_scratch_root(), path->valuestring, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		fs_log("kept an item of %s renamed to %s: the file is gone", table->valuestring,
		       path->valuestring);
		goto out;
	}
	lay_json_render(&text, &row, LAY_FMT_DDB);
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)lay_fnv1a(LAY_FNV_INIT, text.p, text.len));
	if (strcmp(want, hash->valuestring) != 0)
		goto out; /* committed again since: it stays */
	if (eng_item_delete(fs.db, NULL, table->valuestring, &k, NULL, &err) < 0)
		fs_log("deferred delete in %s failed: %s", table->valuestring, err.msg);
	goto out;
bad:
	fs_log("ignored a line of the deferred-delete journal: %.200s", line);
out:
	free(ktext);
	cJSON_Delete(j);
	lay_item_free(&kitem);
	lay_item_free(&row);
	lay_buf_free(&text);
}

int fs_hide_open(const char *data_dir, int ro)
{
	lay_buf path = LAY_BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	lay_buf_addf(&path, "%s/hidden.jsonl", data_dir);
	journal = lay_buf_detach(&path, NULL);
	lay_buf_addf(&path, "%s/hidden.jsonl.tmp", data_dir);
	journal_tmp = lay_buf_detach(&path, NULL);
	if (!journal || !journal_tmp)
		return -ENOMEM;
	if (!ro && (f = fopen(journal, "re"))) {
		while (getline(&line, &cap, f) > 0)
			recover_one(line);
		free(line);
		fclose(f);
		journal_write();
	}
	return 0;
}

void fs_hide_close(void)
{
	/* the scratch copies reach the disk before the rows go */
	if (fs_scratch_root() >= 0 && syncfs(fs_scratch_root()) < 0)
		fs_log("syncing scratch space: %s", strerror(errno));
	release_all();
	free(hiders);
	hiders = NULL;
	nhiders = cap_hiders = 0;
	free(journal);
	free(journal_tmp);
	journal = journal_tmp = NULL;
}
