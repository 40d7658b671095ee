// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_LPM_TRIE: longest-prefix-match lookups over keys of
 * { u32 prefixlen; u8 data[]; } (data in network byte order, bits counted from
 * the most significant bit of data[0]). A path-compressed binary trie with
 * the kernel's shape: each node holds a prefix; a node whose children differ
 * at bit n lives at depth n; "intermediate" nodes exist only to branch and
 * carry no value. The shape for a given set of prefixes is therefore the
 * kernel's, and so is the post-order that get_next_key walks (more specific
 * prefixes first, the 0 branch before the 1 branch).
 *
 * Writers serialize on a mutex; lookups walk child pointers without a lock.
 * Node memory comes from chunks that are only released when the map is
 * freed, so a reader that races with a delete never touches freed memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"

#define LPM_DATA_SIZE_MAX 256
#define LPM_KEY_SIZE_MIN  (4 + 1)
#define LPM_KEY_SIZE_MAX  (4 + LPM_DATA_SIZE_MAX)
#define LPM_VAL_SIZE_MAX  ((1u << 22) - LPM_DATA_SIZE_MAX - 40)
#define LPM_CREATE_FLAG_MASK                                                                       \
	(BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |   \
	 BPF_F_WRONLY_PROG)
#define LPM_NODE_IM	1u
#define LPM_CHUNK_NODES 64

struct lpm_node {
	_Atomic(struct lpm_node *) child[2];
	uint32_t prefixlen;
	_Atomic uint32_t flags;
	struct lpm_node *free_next;
	_Alignas(8) uint8_t data[]; /* data_size bytes, then the value at value_off */
};

struct lpm_chunk {
	struct lpm_chunk *next;
	_Alignas(8) uint8_t mem[];
};

struct uxdp_lpm_trie {
	struct uxdp_map map;
	pthread_mutex_t lock;
	_Atomic(struct lpm_node *) root;
	uint32_t data_size;
	uint32_t max_prefixlen;
	uint32_t value_off; /* from data[] */
	uint32_t node_size;
	uint32_t n_entries;
	struct lpm_node *free_list;
	struct lpm_chunk *chunks;
};

/* packed: keys come at any alignment a program chooses (a stack key at r10-6 is legal) */
struct __attribute__((packed)) lpm_key {
	uint32_t prefixlen;
	uint8_t data[];
};

#define to_trie(m) ((struct uxdp_lpm_trie *)(m))

static inline void *node_value(const struct uxdp_lpm_trie *t, struct lpm_node *n)
{
	return n->data + t->value_off;
}

static inline struct lpm_node *rd(_Atomic(struct lpm_node *) *p)
{
	return atomic_load_explicit(p, memory_order_acquire);
}

static inline void wr(_Atomic(struct lpm_node *) *p, struct lpm_node *n)
{
	atomic_store_explicit(p, n, memory_order_release);
}

static inline bool is_im(struct lpm_node *n)
{
	return atomic_load_explicit(&n->flags, memory_order_relaxed) & LPM_NODE_IM;
}

static inline unsigned int extract_bit(const uint8_t *data, uint32_t index)
{
	return !!(data[index / 8] & (1u << (7 - (index % 8))));
}

/* Number of leading bits node and key share, capped by both prefix lengths. */
static uint32_t prefix_match(const struct uxdp_lpm_trie *t, const struct lpm_node *n,
			     const struct lpm_key *key)
{
	uint32_t limit = n->prefixlen < key->prefixlen ? n->prefixlen : key->prefixlen;
	uint32_t len = 0;

	for (uint32_t i = 0; i < t->data_size && len < limit; i++) {
		uint8_t diff = n->data[i] ^ key->data[i];

		if (diff) {
			len += (uint32_t)__builtin_clz((unsigned int)diff) - 24;
			break;
		}
		len += 8;
	}
	return len < limit ? len : limit;
}

/* --- node memory (writers) ------------------------------------------------------------- */

static struct lpm_node *node_alloc(struct uxdp_lpm_trie *t)
{
	struct lpm_node *n = t->free_list;

	if (n) {
		t->free_list = n->free_next;
	} else {
		struct lpm_chunk *c =
			calloc(1, sizeof(*c) + (size_t)LPM_CHUNK_NODES * t->node_size);

		if (!c)
			return NULL;
		c->next = t->chunks;
		t->chunks = c;
		for (uint32_t i = 1; i < LPM_CHUNK_NODES; i++) {
			struct lpm_node *f = (struct lpm_node *)(c->mem + (size_t)i * t->node_size);

			f->free_next = t->free_list;
			t->free_list = f;
		}
		n = (struct lpm_node *)c->mem;
	}
	atomic_store_explicit(&n->child[0], NULL, memory_order_relaxed);
	atomic_store_explicit(&n->child[1], NULL, memory_order_relaxed);
	atomic_store_explicit(&n->flags, 0, memory_order_relaxed);
	return n;
}

static void node_free(struct uxdp_lpm_trie *t, struct lpm_node *n)
{
	if (!n)
		return;
	n->free_next = t->free_list;
	t->free_list = n;
}

/* --- create / free --------------------------------------------------------------------- */

static struct uxdp_map *trie_alloc(const struct uxdp_map *attr,
				   const struct uxdp_map_create_opts *opts)
{
	struct uxdp_lpm_trie *t;

	if (attr->max_entries == 0 || !(attr->map_flags & BPF_F_NO_PREALLOC) ||
	    (attr->map_flags & ~LPM_CREATE_FLAG_MASK) || attr->key_size < LPM_KEY_SIZE_MIN ||
	    attr->key_size > LPM_KEY_SIZE_MAX || attr->value_size < 1 ||
	    attr->value_size > LPM_VAL_SIZE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->map = *attr;
	t->data_size = attr->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->value_off = uxdp_percpu_stride(t->data_size);
	t->node_size =
		sizeof(struct lpm_node) + t->value_off + uxdp_percpu_stride(attr->value_size);
	pthread_mutex_init(&t->lock, NULL);
	return &t->map;
}

static void trie_free(struct uxdp_map *map)
{
	struct uxdp_lpm_trie *t = to_trie(map);

	while (t->chunks) {
		struct lpm_chunk *c = t->chunks;

		t->chunks = c->next;
		free(c);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* --- lookup (fast path, lock-free) --------------------------------------------------------- */

static void *trie_prog_lookup(struct uxdp_map *map, const void *k, uint32_t cpu)
{
	struct uxdp_lpm_trie *t = to_trie(map);
	const struct lpm_key *key = k;
	struct lpm_node *n, *found = NULL;

	for (n = rd(&t->root); n;) {
		uint32_t matchlen = prefix_match(t, n, key);

		if (matchlen == t->max_prefixlen) {
			if (!is_im(n))
				found = n;
			break;
		}
		/* Shorter match than this node's prefix: nothing deeper can match better. */
		if (matchlen < n->prefixlen)
			break;
		if (!is_im(n))
			found = n;
		n = rd(&n->child[extract_bit(key->data, n->prefixlen)]);
	}
	return found ? node_value(t, found) : NULL;
}

static int trie_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	void *v = trie_prog_lookup((struct uxdp_map *)map, key, 0);

	if (!v)
		return -ENOENT;
	uxdp_map_copy_value_out(map, value, v);
	return 0;
}

/* --- update / delete (writers) ------------------------------------------------------------ */

static long trie_check_add(struct uxdp_lpm_trie *t, uint64_t flags)
{
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (t->n_entries == t->map.max_entries)
		return -ENOSPC;
	t->n_entries++;
	return 0;
}

static long trie_update_elem(struct uxdp_map *map, const void *k, const void *value, uint64_t flags)
{
	struct uxdp_lpm_trie *t = to_trie(map);
	const struct lpm_key *key = k;
	struct lpm_node *node, *new, *im, *to_free = NULL;
	_Atomic(struct lpm_node *) *slot;
	uint32_t matchlen = 0;
	long err = 0;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (key->prefixlen > t->max_prefixlen)
		return -EINVAL;

	pthread_mutex_lock(&t->lock);
	new = node_alloc(t);
	if (!new) {
		err = -ENOMEM;
		goto out;
	}
	new->prefixlen = key->prefixlen;
	memcpy(new->data, key->data, t->data_size);
	memset(node_value(t, new), 0, uxdp_percpu_stride(map->value_size));
	uxdp_map_copy_value(map, node_value(t, new), value);

	/* Descend while the node is a strict prefix of the key. */
	slot = &t->root;
	while ((node = rd(slot))) {
		matchlen = prefix_match(t, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == key->prefixlen ||
		    node->prefixlen == t->max_prefixlen)
			break;
		slot = &node->child[extract_bit(key->data, node->prefixlen)];
	}

	if (!node) { /* empty slot */
		err = trie_check_add(t, flags);
		if (!err)
			wr(slot, new);
		goto out;
	}

	if (node->prefixlen == matchlen) { /* same prefix: replace the node */
		if (!is_im(node)) {
			if (flags == BPF_NOEXIST) {
				err = -EEXIST;
				goto out;
			}
		} else {
			err = trie_check_add(t, flags);
			if (err)
				goto out;
		}
		atomic_store_explicit(&new->child[0], rd(&node->child[0]), memory_order_relaxed);
		atomic_store_explicit(&new->child[1], rd(&node->child[1]), memory_order_relaxed);
		wr(slot, new);
		to_free = node;
		goto out;
	}

	err = trie_check_add(t, flags);
	if (err)
		goto out;

	if (matchlen == key->prefixlen) { /* the new prefix covers node: insert above it */
		atomic_store_explicit(&new->child[extract_bit(node->data, matchlen)], node,
				      memory_order_relaxed);
		wr(slot, new);
		goto out;
	}

	/* They diverge at bit matchlen: branch with an intermediate node. */
	im = node_alloc(t);
	if (!im) {
		t->n_entries--;
		err = -ENOMEM;
		goto out;
	}
	im->prefixlen = matchlen;
	atomic_store_explicit(&im->flags, LPM_NODE_IM, memory_order_relaxed);
	memcpy(im->data, node->data, t->data_size);
	if (extract_bit(key->data, matchlen)) {
		atomic_store_explicit(&im->child[0], node, memory_order_relaxed);
		atomic_store_explicit(&im->child[1], new, memory_order_relaxed);
	} else {
		atomic_store_explicit(&im->child[0], new, memory_order_relaxed);
		atomic_store_explicit(&im->child[1], node, memory_order_relaxed);
	}
	wr(slot, im);
out:
	if (err)
		node_free(t, new);
	node_free(t, to_free);
	pthread_mutex_unlock(&t->lock);
	return err;
}

static long trie_delete_elem(struct uxdp_map *map, const void *k)
{
	struct uxdp_lpm_trie *t = to_trie(map);
	const struct lpm_key *key = k;
	_Atomic(struct lpm_node *) *trim, *trim2;
	struct lpm_node *node, *parent = NULL;
	uint32_t matchlen = 0;
	long err = 0;

	if (key->prefixlen > t->max_prefixlen)
		return -EINVAL;

	pthread_mutex_lock(&t->lock);
	trim = trim2 = &t->root;
	while ((node = rd(trim))) {
		matchlen = prefix_match(t, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == key->prefixlen)
			break;
		parent = node;
		trim2 = trim;
		trim = &node->child[extract_bit(key->data, node->prefixlen)];
	}
	if (!node || node->prefixlen != key->prefixlen || node->prefixlen != matchlen ||
	    is_im(node)) {
		err = -ENOENT;
		goto out;
	}
	t->n_entries--;

	if (rd(&node->child[0]) && rd(&node->child[1])) {
		/* Still a branch point: keep it as an intermediate node. */
		atomic_fetch_or_explicit(&node->flags, LPM_NODE_IM, memory_order_relaxed);
		goto out;
	}
	if (parent && is_im(parent) && !rd(&node->child[0]) && !rd(&node->child[1])) {
		/* The parent only branched for this leaf: its other child takes its place. */
		wr(trim2, rd(&parent->child[rd(&parent->child[0]) == node ? 1 : 0]));
		node_free(t, parent);
		node_free(t, node);
		goto out;
	}
	wr(trim, rd(&node->child[0]) ? rd(&node->child[0]) : rd(&node->child[1]));
	node_free(t, node);
out:
	pthread_mutex_unlock(&t->lock);
	return err;
}

static long trie_prog_update(struct uxdp_map *map, const void *key, const void *value,
			     uint64_t flags, uint32_t cpu)
{
	return trie_update_elem(map, key, value, flags);
}

static long trie_prog_delete(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	return trie_delete_elem(map, key);
}

static int trie_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	return (int)trie_update_elem(map, key, value, flags);
}

static int trie_delete(struct uxdp_map *map, const void *key)
{
	return (int)trie_delete_elem(map, key);
}

/* --- iteration: post-order, as the kernel ------------------------------------------------ */

static int trie_get_next_key(const struct uxdp_map *map, const void *k, void *next)
{
	struct uxdp_lpm_trie *t = to_trie(map);
	const struct lpm_key *key = k;
	struct lpm_key *out = next;
	struct lpm_node *node, *next_node = NULL, *search_root, **stack = NULL;
	uint32_t matchlen = 0;
	int sp = -1, err = 0;

	pthread_mutex_lock(&t->lock);
	search_root = rd(&t->root);
	if (!search_root) {
		err = -ENOENT;
		goto out;
	}
	if (!key || key->prefixlen > t->max_prefixlen)
		goto find_leftmost;

	stack = malloc(sizeof(*stack) * (t->max_prefixlen + 1));
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	/* Find the node of exactly this prefix, remembering the path. */
	for (node = search_root; node;) {
		stack[++sp] = node;
		matchlen = prefix_match(t, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == key->prefixlen)
			break;
		node = rd(&node->child[extract_bit(key->data, node->prefixlen)]);
	}
	if (!node || node->prefixlen != matchlen || is_im(node))
		goto find_leftmost; /* not present: start over */

	/* Its post-order successor: the right sibling subtree's first node, else the parent. */
	node = stack[sp];
	while (sp > 0) {
		struct lpm_node *parent = stack[sp - 1];

		if (rd(&parent->child[0]) == node) {
			search_root = rd(&parent->child[1]);
			if (search_root)
				goto find_leftmost;
		}
		if (!is_im(parent)) {
			next_node = parent;
			goto copy;
		}
		node = parent;
		sp--;
	}
	err = -ENOENT;
	goto out;

find_leftmost:
	/* First node in post-order below search_root (intermediates have two children). */
	for (node = search_root; node;) {
		if (is_im(node)) {
			node = rd(&node->child[0]);
		} else {
			next_node = node;
			node = rd(&node->child[0]);
			if (!node)
				node = rd(&next_node->child[1]);
		}
	}
copy:
	out->prefixlen = next_node->prefixlen;
	memcpy(out->data, next_node->data, t->data_size);
out:
	pthread_mutex_unlock(&t->lock);
	free(stack);
	return err;
}

const struct uxdp_map_ops uxdp_lpm_trie_map_ops = {
	.alloc = trie_alloc,
	.free = trie_free,
	.prog_lookup = trie_prog_lookup,
	.prog_update = trie_prog_update,
	.prog_delete = trie_prog_delete,
	.lookup = trie_lookup,
	.update = trie_update,
	.delete = trie_delete,
	.get_next_key = trie_get_next_key,
};
