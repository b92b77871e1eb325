/* Unit tests of fs/'s own logic on a real engine, without a kernel: what
 * a name denotes (name.c, SPEC §3, §4, §6), the node map and its paths
 * (inode.c), and a node's place for the engine (doc.c). */
#include <errno.h>
#include <string.h>

#include "../../fs/doc.h"
#include "../../fs/inode.h"
#include "../../fs/name.h"
#include "../../fs/scratch.h"
#include "dbtest.h"
#include "items.h"

static char *dir;

static void table(const char *name, const char *schema)
{
	lay_err err = { 0, "" };
	lay_schema s;

	CHECK_RC(lay_schema_parse(&s, schema, strlen(schema), &err), 0);
	CHECK_RC(eng_table_create(fs.db, NULL, name, &s, NULL, &err), 0);
}

static void setup(void)
{
	lay_err err = { 0, "" };
	lay_item it = dbt_item("{\"customer\":\"alice\",\"date\":5,\"total\":1}");

	dir = dbt_tmpdir();
	fs.db = dbt_open(dir, NULL);
	fs.format = LAY_FMT_PLAIN;
	CHECK_RC(fs_nodes_init(), 0);
	CHECK_RC(fs_scratch_open(dir, &err), 0);
	table("Orders", "customer:S,date:N");
	table("Music", "id:S");
	CHECK_RC(eng_item_put(fs.db, NULL, "Orders", &it, NULL, 0, NULL, NULL, &err), 0);
	lay_item_free(&it);
}

static void teardown(void)
{
	fs_nodes_free();
	fs_scratch_close();
	eng_db_close(fs.db);
	fs.db = NULL;
	dbt_rmdir(dir);
}

/* A node for name in parent, of the kind resolving it gives (as a lookup
 * would make it), or NULL. */
static fs_node *node(fs_node *parent, const char *name)
{
	fs_target t;
	lay_err err = { 0, "" };
	fs_node *n = NULL;

	if (fs_name_resolve(&t, parent, name, 1, &err) == 0) {
		pthread_mutex_lock(&fs.lock);
		if ((n = fs_node_new(parent, name, t.kind)) != NULL) {
			if (t.kind == FS_TABLE) {
				n->table = strdup(name);
				n->has_sk = strcmp(name, "Orders") == 0;
			}
			if (t.kind == FS_PART || t.kind == FS_ITEM)
				fs_node_set_key(n, t.pk.type ? &t.pk : NULL, &t.key);
		}
		pthread_mutex_unlock(&fs.lock);
	}
	fs_target_free(&t);
	return n;
}

static int resolve(fs_node *d, const char *name, fs_target *t)
{
	lay_err err = { 0, "" };
	int rc = fs_name_resolve(t, d, name, 1, &err);

	return rc;
}

static void test_fs_name__each_place_of_the_tree_resolves_to_its_kind(void)
{
	fs_node *orders, *alice, *music;
	fs_target t;

	setup();
	CHECK_RC(resolve(fs.root, "Orders", &t), 0);
	CHECK(t.kind == FS_TABLE);
	fs_target_free(&t);
	CHECK_RC(resolve(fs.root, ".ddbfs", &t), 0);
	CHECK(t.kind == FS_MAGIC_DIR);
	fs_target_free(&t);
	CHECK_RC(resolve(fs.root, "ab", &t), -EINVAL); /* table names: 3+ bytes */
	fs_target_free(&t);
	orders = node(fs.root, "Orders");
	music = node(fs.root, "Music");
	CHECK(orders && music);
	CHECK_RC(resolve(orders, "alice", &t), 0);
	CHECK(t.kind == FS_PART && t.pk.type == LAY_S && t.pk.len == 5);
	fs_target_free(&t);
	CHECK_RC(resolve(orders, ".table.json", &t), 0);
	CHECK(t.kind == FS_MAGIC_FILE && t.magic == FS_M_TABLE_JSON);
	fs_target_free(&t);
	CHECK_RC(resolve(orders, ".notes.swp", &t), 0);
	CHECK(t.kind == FS_SCRATCH);
	fs_target_free(&t);
	CHECK_RC(resolve(orders, "notes.txt", &t), 0); /* any other name: a partition */
	CHECK(t.kind == FS_PART);
	fs_target_free(&t);
	/* an item file at the top of a table with a sort key and items */
	CHECK_RC(resolve(orders, "x.json", &t), -EINVAL);
	fs_target_free(&t);
	alice = node(orders, "alice");
	CHECK(alice != NULL);
	CHECK_RC(resolve(alice, "5.json", &t), 0);
	CHECK(t.kind == FS_ITEM && t.key.type == LAY_N && t.pk.type == LAY_S);
	fs_target_free(&t);
	/* a date that is no number; a name that is not an item's */
	CHECK_RC(resolve(alice, "soon.json", &t), -EINVAL);
	fs_target_free(&t);
	CHECK_RC(resolve(alice, "soon.txt", &t), 0);
	CHECK(t.kind == FS_SCRATCH);
	fs_target_free(&t);
	CHECK_RC(resolve(music, "song.json", &t), 0);
	CHECK(t.kind == FS_ITEM && t.key.type == LAY_S);
	fs_target_free(&t);
	teardown();
}

static void test_fs_node__paths_walk_from_the_root_and_follow_renames(void)
{
	fs_node *orders, *alice, *item;
	lay_buf p = LAY_BUF_INIT;

	setup();
	orders = node(fs.root, "Orders");
	alice = node(orders, "alice");
	item = node(alice, "5.json");
	CHECK(item != NULL);
	pthread_mutex_lock(&fs.lock);
	CHECK_RC(fs_node_path_locked(&p, item, NULL), 0);
	CHECK_STR(p.p, "Orders/alice/5.json");
	lay_buf_reset(&p);
	CHECK_RC(fs_node_path_locked(&p, alice, "new.json"), 0);
	CHECK_STR(p.p, "Orders/alice/new.json");
	CHECK(fs_node_find(fs_ino_of(alice), "5.json") == item);
	CHECK_RC(fs_node_rehash(item, alice, "6.json"), 0);
	CHECK(fs_node_find(fs_ino_of(alice), "5.json") == NULL);
	lay_buf_reset(&p);
	CHECK_RC(fs_node_path_locked(&p, item, NULL), 0);
	CHECK_STR(p.p, "Orders/alice/6.json");
	fs_node_unhash(alice);
	lay_buf_reset(&p);
	CHECK_RC(fs_node_path_locked(&p, item, NULL), -ENOENT);
	CHECK_RC(fs_node_rehash(alice, orders, "alice"), 0);
	pthread_mutex_unlock(&fs.lock);
	lay_buf_free(&p);
	teardown();
}

static void test_fs_place__a_node_gives_its_key_and_learns_what_content_tells(void)
{
	fs_node *orders, *alice, *item, *learner;
	lay_item it = LAY_ITEM_INIT;
	lay_err err = { 0, "" };
	fs_place pl;
	lay_key key;

	setup();
	orders = node(fs.root, "Orders");
	alice = node(orders, "alice");
	item = node(alice, "7.json");
	CHECK_RC(fs_place_of(&pl, item, NULL, NULL, NULL, NULL), 0);
	CHECK_STR(pl.p.name, "7.json");
	CHECK_STR(pl.p.pk_name, "alice");
	CHECK(pl.p.pk && pl.p.key);
	CHECK_RC(eng_doc_parse(fs.db, NULL, "Orders", "{\"total\":2}", 11, LAY_FMT_PLAIN, &pl.p,
			       &it, &key, &err),
		 0);
	CHECK(it.n == 3);
	lay_item_free(&it);
	fs_place_free(&pl);
	/* a node whose name told nothing (as a long one): the content must
	 * carry the key and give back the names, then the node knows it */
	pthread_mutex_lock(&fs.lock);
	learner = fs_node_new(alice, "9.json", FS_ITEM);
	pthread_mutex_unlock(&fs.lock);
	CHECK_RC(fs_place_of(&pl, learner, NULL, NULL, NULL, NULL), 0);
	CHECK(!pl.p.key && !pl.p.pk);
	it = (lay_item)LAY_ITEM_INIT;
	CHECK_RC(eng_doc_parse(fs.db, NULL, "Orders", "{\"date\":9}", 10, LAY_FMT_PLAIN, &pl.p,
			       &it, &key, &err),
		 -EINVAL);
	lay_item_free(&it);
	it = (lay_item)LAY_ITEM_INIT;
	CHECK_RC(eng_doc_parse(fs.db, NULL, "Orders", "{\"customer\":\"bob\",\"date\":9}", 27,
			       LAY_FMT_PLAIN, &pl.p, &it, &key, &err),
		 -EINVAL); /* not alice's */
	lay_item_free(&it);
	it = (lay_item)LAY_ITEM_INIT;
	CHECK_RC(eng_doc_parse(fs.db, NULL, "Orders", "{\"customer\":\"alice\",\"date\":9}", 29,
			       LAY_FMT_PLAIN, &pl.p, &it, &key, &err),
		 0);
	CHECK_RC(fs_place_learn(&pl, learner, &key), 0);
	CHECK(learner->key.type == LAY_N && learner->pk.type == LAY_S);
	lay_item_free(&it);
	fs_place_free(&pl);
	/* unlinked: its content goes nowhere */
	pthread_mutex_lock(&fs.lock);
	fs_node_unhash(item);
	pthread_mutex_unlock(&fs.lock);
	CHECK(fs_place_of(&pl, item, NULL, NULL, NULL, NULL) == 1);
	fs_place_free(&pl);
	pthread_mutex_lock(&fs.lock);
	fs_node_maybe_free(item);
	pthread_mutex_unlock(&fs.lock);
	teardown();
}

int main(void)
{
	RUN(test_fs_name__each_place_of_the_tree_resolves_to_its_kind);
	RUN(test_fs_node__paths_walk_from_the_root_and_follow_renames);
	RUN(test_fs_place__a_node_gives_its_key_and_learns_what_content_tells);
	return check_done();
}
