/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The name service: servers register an endpoint capability under a name,
 * clients look a name up and get a copy of that capability. The protocol
 * is include/l4/names.h; this program serves the endpoint "names".
 *
 * Each registration keeps the registering client's badge (its program
 * number: only it may unregister the name, and its names go when the root
 * task says it ended) and our own copy of the endpoint capability, which
 * arrived through our capability receive window (BR1). A lookup replies
 * with a map item of that copy, restricted to WRITE|GRANT: a client may
 * call the endpoint and pass capabilities through it, never receive on it.
 *
 * Slots: every registration holds one capability slot and the receive
 * window one more. They come from a fixed pool of L4_NAMES_MAX + 1 slots
 * taken at start, so the service can never run out of slots at run time,
 * and a slot is always deleted before it goes back to the pool, so the
 * window is always empty when a message can arrive.
 *
 * Where names.h leaves a choice:
 *   - REGISTER's capability must be an endpoint (else L4_ETYPE) that can be
 *     called (the write right, else L4_ERIGHTS); an item that delivered
 *     nothing (an empty slot, a failed transfer) counts as none: L4_EMSG.
 *   - LIST needs only its one word; an index out of range is L4_ENOENT,
 *     and that reply still carries the count in MR2.
 *   - A name whose endpoint was destroyed names nothing: it is dropped
 *     when LOOKUP finds it, and before REGISTER and LIST.
 *   - L4_SERVER_CLIENT_GONE is believed only with badge 0 (the root task);
 *     from a client it is L4_ERIGHTS.
 */
#include "l4lib.h"
#include <l4/names.h>

#define NAME_WORDS 2
#define NAME_CHARS (8 * NAME_WORDS - 1)        /* 15, the last byte stays NUL */
#define LOOKUP_RIGHTS (L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT)

struct entry {
	l4_word_t name[NAME_WORDS];   /* as in the message; canonical: NUL-padded */
	l4_word_t owner;              /* the registering client's badge */
	l4_cap_t cap;                 /* our copy of its endpoint */
};

/* In registration order: LIST's indices. Removing an entry closes the gap. */
static struct entry entries[L4_NAMES_MAX];
static unsigned entry_count;

static l4_cap_t pool[L4_NAMES_MAX + 1];
static unsigned pool_count;
static l4_cap_t window;            /* the slot received capabilities land in */

/* A request, copied out of the message registers before anything else can
 * overwrite them (every kernel invocation writes its arguments there). */
struct request {
	l4_word_t label, badge;
	unsigned words, items;
	l4_word_t mr[3];
	l4_word_t item[2];            /* the first typed item, if any */
};

/* What goes back: the label is the error code; `send` is a slot of ours to
 * map to the caller (LOOKUP), or L4_CAP_NONE. */
struct answer {
	l4_word_t error;
	unsigned words;
	l4_word_t mr[3];
	l4_cap_t send;
};

static void set_window(void)
{
	l4_utcb()->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(window, 0, 0);
}

/* The type and rights of the capability in slot, or false if it is empty. */
static bool cap_info(l4_cap_t slot, l4_word_t *type, l4_word_t *rights)
{
	struct l4_result r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, slot);

	if (r.error)
		return false;
	*type = l4_utcb()->mr[0];
	*rights = l4_utcb()->mr[1];
	return true;
}

static void name_text(const l4_word_t name[NAME_WORDS], char text[8 * NAME_WORDS])
{
	for (unsigned i = 0; i < 8 * NAME_WORDS; i++)
		text[i] = (char)(name[i / 8] >> (8 * (i % 8)));
	text[NAME_CHARS] = 0;
}

/* 1 to 15 characters of [a-z0-9_.-], then only NULs: exactly one spelling
 * per name, so names compare as words. */
static bool name_valid(const l4_word_t name[NAME_WORDS])
{
	char text[8 * NAME_WORDS];
	unsigned len = 0;

	for (unsigned i = 0; i < 8 * NAME_WORDS; i++)
		text[i] = (char)(name[i / 8] >> (8 * (i % 8)));
	while (len < 8 * NAME_WORDS && text[len])
		len++;
	if (len == 0 || len > NAME_CHARS)
		return false;
	for (unsigned i = 0; i < len; i++) {
		char c = text[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	for (unsigned i = len; i < 8 * NAME_WORDS; i++)
		if (text[i])
			return false;
	return true;
}

static int find(const l4_word_t name[NAME_WORDS])
{
	for (unsigned i = 0; i < entry_count; i++)
		if (entries[i].name[0] == name[0] && entries[i].name[1] == name[1])
			return (int)i;
	return -1;
}

static unsigned owned_by(l4_word_t owner)
{
	unsigned n = 0;

	for (unsigned i = 0; i < entry_count; i++)
		n += entries[i].owner == owner;
	return n;
}

/* Deletes entry i's capability and closes the gap. The copies clients got
 * from it stay usable: deleting a derived capability hands its own derived
 * copies to its parent, the registering server's capability. (A server
 * that granted us its original instead gave the endpoint away: it ends
 * here, and every copy with it.) */
static void drop(unsigned i)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, entries[i].cap);
	pool[pool_count++] = entries[i].cap;
	for (unsigned k = i; k + 1 < entry_count; k++)
		entries[k] = entries[k + 1];
	entry_count--;
}

/* An entry whose endpoint was destroyed (its server deleted it) has an
 * empty slot now: it names nothing, so it should not hold its name or
 * count against a limit. */
static bool dead(unsigned i)
{
	l4_word_t type, rights;

	return !cap_info(entries[i].cap, &type, &rights);
}

static void drop_dead(void)
{
	for (unsigned i = entry_count; i-- > 0;)
		if (dead(i)) {
			char text[8 * NAME_WORDS];
			name_text(entries[i].name, text);
			l4_printf("\"%s\" dropped: its endpoint is gone\n", text);
			drop(i);
		}
}

static l4_word_t do_register(const struct request *q)
{
	l4_word_t type, rights;

	unsigned kind = q->item[0] & 0xf;
	if (q->items != 1 || (kind != L4_ITEM_MAP && kind != L4_ITEM_GRANT) ||
	    l4_fpage_space(q->item[1]) != L4_FP_CAP || !cap_info(window, &type, &rights))
		return L4_EMSG;              /* no capability came with it */
	if (!name_valid(q->mr))
		return L4_EINVAL;
	if (type != L4_OBJ_ENDPOINT)
		return L4_ETYPE;
	if (!(rights & L4_CAP_RIGHT_WRITE))
		return L4_ERIGHTS;           /* nobody could call what it names */
	drop_dead();
	if (find(q->mr) >= 0)
		return L4_EEXIST;
	if (owned_by(q->badge) >= L4_NAMES_PER_CLIENT || entry_count >= L4_NAMES_MAX)
		return L4_ENOMEM;
	struct entry *e = &entries[entry_count++];
	e->name[0] = q->mr[0];
	e->name[1] = q->mr[1];
	e->owner = q->badge;
	e->cap = window;                 /* the capability stays where it landed */
	window = pool[--pool_count];     /* never empty: one more slot than entries */
	set_window();
	return L4_OK;
}

/* The entry a LOOKUP or UNREGISTER names, or -1 with the error set. */
static int named_entry(const struct request *q, struct answer *a)
{
	int i = -1;

	if (q->words < NAME_WORDS)
		a->error = L4_EMSG;
	else if (!name_valid(q->mr))
		a->error = L4_EINVAL;
	else if ((i = find(q->mr)) < 0)
		a->error = L4_ENOENT;
	return i;
}

static void handle(const struct request *q, struct answer *a)
{
	int i;

	a->error = L4_OK;
	a->words = 0;
	a->send = L4_CAP_NONE;
	switch (q->label) {
	case L4_NAMES_REGISTER:
		a->error = q->words < NAME_WORDS ? L4_EMSG : do_register(q);
		return;
	case L4_NAMES_LOOKUP:
		if ((i = named_entry(q, a)) < 0)
			return;
		if (dead((unsigned)i)) {
			drop((unsigned)i);
			a->error = L4_ENOENT;
		} else
			a->send = entries[i].cap;
		return;
	case L4_NAMES_UNREGISTER:
		if ((i = named_entry(q, a)) < 0)
			return;
		if (entries[i].owner != q->badge)
			a->error = L4_ERIGHTS;
		else
			drop((unsigned)i);
		return;
	case L4_NAMES_LIST:
		if (q->words < 1) {
			a->error = L4_EMSG;
			return;
		}
		drop_dead();
		/* Out of range: ENOENT, and still the count, so a client learns it
		 * with any index. */
		a->words = 3;
		a->mr[0] = q->mr[0] < entry_count ? entries[q->mr[0]].name[0] : 0;
		a->mr[1] = q->mr[0] < entry_count ? entries[q->mr[0]].name[1] : 0;
		a->mr[2] = entry_count;
		a->error = q->mr[0] < entry_count ? L4_OK : L4_ENOENT;
		return;
	case L4_SERVER_CLIENT_GONE: {
		/* Only the root task's unbadged capability says who ended. */
		if (q->badge) {
			a->error = L4_ERIGHTS;
			return;
		}
		if (q->words < 1) {
			a->error = L4_EMSG;
			return;
		}
		unsigned dropped = 0;
		for (unsigned k = entry_count; k-- > 0;)
			if (entries[k].owner == q->mr[0]) {
				drop(k);
				dropped++;
			}
		if (dropped)
			l4_printf("client %lu gone: %u name%s dropped\n", (unsigned long)q->mr[0], dropped,
				  dropped == 1 ? "" : "s");
		return;
	}
	default:
		a->error = L4_ENOSYS;
		return;
	}
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t ep = l4_env_cap("names");

	if (ep == L4_CAP_NONE) {
		l4_printf("no \"names\" endpoint (add `serve names` to the configuration)\n");
		return 1;
	}
	for (unsigned i = 0; i < L4_NAMES_MAX + 1; i++)
		pool[pool_count++] = l4_slot_alloc();
	window = pool[--pool_count];
	set_window();
	l4_printf("serving: at most %u names, %u per client\n", L4_NAMES_MAX, L4_NAMES_PER_CLIENT);

	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;) {
		struct l4_utcb *u = l4_utcb();
		if (r.error) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		struct request q = {
			.label = l4_tag_label(r.tag), .badge = r.badge,
			.words = l4_tag_words(r.tag), .items = l4_tag_items(r.tag),
		};
		for (unsigned i = 0; i < 3 && i < q.words; i++)
			q.mr[i] = u->mr[i];
		if (q.items) {
			q.item[0] = u->mr[q.words];
			q.item[1] = u->mr[q.words + 1];
		}
		struct answer a;
		handle(&q, &a);
		/* A capability that came with a message and was not kept (any
		 * error, a stray item on another request) leaves the window, so
		 * the next one can land there. */
		if (q.items)
			L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, window);
		l4_word_t tag;
		if (a.send != L4_CAP_NONE) {
			u->mr[0] = L4_ITEM_MAP;
			u->mr[1] = l4_fpage_cap(a.send, 0, LOOKUP_RIGHTS);
			tag = l4_tag(L4_OK, 0, 1);
		} else {
			for (unsigned i = 0; i < a.words; i++)
				u->mr[i] = a.mr[i];
			tag = l4_tag(a.error, a.words, 0);
		}
		r = l4_reply_wait(ep, tag, L4_TIMEOUT_NEVER);
	}
}
