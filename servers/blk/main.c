/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The block server: named volumes over disk drivers (include/l4/disk.h)
 * and over RAM disks made from boot modules, served to the clients its
 * configuration grants them to (protocol and design: include/l4/blk.h).
 *
 * At start it reads its arguments (policy.c), attaches to each disk
 * driver a volume names (the driver's buffer is mapped into our
 * DISK_WINDOW area), copies each RAM disk's module into memory from
 * malloc, finds each granted program's number (its badge) in the program
 * directory of the environment page, and prints every volume and grant.
 * A volume that cannot be had (no driver endpoint, no disk, a slice past
 * the disk's end, no memory) is offline: requests on it get L4_ENODEV,
 * and the other volumes are served.
 *
 * Then it serves one request at a time. A request is copied out of the
 * message registers first, checked completely (policy.c: the errors of
 * blk.h, in their order), and only then carried out. Disk requests go to
 * the driver in pieces of at most what its buffer holds, each a call with
 * the timeout L4_DISK_REPLY_US: a driver that hangs costs a client that
 * long, never the server. After a timed-out call the driver may still be
 * busy with it, filling its buffer; the next disk request first waits
 * for the driver to answer an INFO, which it can only do once idle.
 */
#include "l4lib.h"
#include <l4/blk.h>
#include <l4/disk.h>
#include "policy.h"

#define DISK_WINDOW 0x0000500000000000ull          /* disk i's buffer at + i * DISK_WINDOW_STEP */
#define DISK_WINDOW_STEP (1ull << 24)
#define DRIVER_START_US 30000000ull                 /* the first INFO: the driver may still probe */
#define SECTOR L4_BLK_SECTOR_SIZE

_Static_assert(L4_DISK_BUF_SIZE <= DISK_WINDOW_STEP, "a driver's buffer fits its window");

struct disk {                      /* a disk driver, by endpoint */
	const char *endpoint;
	l4_cap_t ep;
	l4_word_t error;           /* L4_OK: attached; else why it cannot be used */
	bool stale;                /* a call timed out: the driver may still be busy */
	uint64_t sectors;
	unsigned max;              /* sectors per request */
	unsigned char *buf;        /* its buffer, mapped to us */
	char model[41];
};

struct volume {
	const struct blk_volume_cfg *cfg;
	struct disk *disk;         /* BLK_DISK */
	unsigned char *ram;        /* BLK_RAM */
	uint64_t first, sectors;
	l4_word_t error;           /* L4_OK: online; else L4_ENODEV */
};

struct client {
	const struct blk_grant_cfg *grant;
	l4_word_t badge;           /* program number; 0: not running in this configuration */
	bool attached;
	unsigned char *buf;
};

static struct blk_config config;
static struct disk disks[L4_BLK_MAX_VOLUMES];
static unsigned disk_count;
static struct volume volumes[L4_BLK_MAX_VOLUMES];
static struct client clients[L4_BLK_MAX_CLIENTS];
static unsigned char buffers[L4_BLK_MAX_CLIENTS][L4_BLK_BUF_SIZE] __attribute__((aligned(L4_BLK_BUF_SIZE)));

static const char *error_text(l4_word_t e)
{
	switch (e) {
	case L4_OK: return "ok";
	case L4_ENODEV: return "no disk";
	case L4_ETIMEOUT: return "no answer in time";
	case L4_ECAP: return "no such endpoint";
	case L4_EIO: return "device error";
	case L4_EBUSY: return "another program owns the driver";
	case L4_ERIGHTS: return "refused";
	default: return "error";
	}
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* ---- disk drivers */

/* A call to the driver; its answer (the reply's label), or the call's own
 * error: L4_ETIMEOUT when it took longer than it may, L4_ENODEV when the
 * driver went away during the call (it ended: the root task does not
 * restart programs, so its disk is gone for good). */
static l4_word_t driver_call(struct disk *d, l4_word_t op, unsigned words, l4_word_t timeout)
{
	struct l4_result r = l4_call(d->ep, l4_tag(op, words, 0), timeout);

	if (r.error == L4_ETIMEOUT)
		d->stale = true;
	if (r.error == L4_ECANCELED && !d->error) {
		d->error = L4_ENODEV;
		l4_printf("disk driver \"%s\" ended during a request: its volumes are offline\n", d->endpoint);
	}
	if (r.error)
		return r.error == L4_ETIMEOUT ? L4_ETIMEOUT : L4_ENODEV;
	return l4_tag_label(r.tag);
}

/* The driver is idle again once it answers INFO (it serves in order). */
static l4_word_t driver_sync(struct disk *d)
{
	if (!d->stale)
		return L4_OK;
	l4_word_t err = driver_call(d, L4_DISK_INFO, 0, L4_DISK_REPLY_US);
	if (!err)
		d->stale = false;
	return err;
}

static void disk_attach(struct disk *d, unsigned index)
{
	struct l4_utcb *u = l4_utcb();

	d->ep = l4_env_cap(d->endpoint);
	if (d->ep == L4_CAP_NONE) {
		d->error = L4_ECAP;
		return;
	}
	if ((d->error = driver_call(d, L4_DISK_INFO, 0, DRIVER_START_US)))
		return;
	d->sectors = u->mr[0];
	d->max = u->mr[1] == SECTOR && u->mr[2] ? (unsigned)(u->mr[2] < L4_BLK_MAX_SECTORS ? u->mr[2] :
								L4_BLK_MAX_SECTORS) : 0;
	for (unsigned i = 0; i < 40; i++)
		d->model[i] = (char)(u->mr[4 + i / 8] >> (8 * (i % 8)));
	d->model[40] = 0;
	if (!d->max) {
		d->error = L4_EINVAL;                      /* not 512-byte sectors */
		return;
	}
	l4_word_t window = DISK_WINDOW + index * DISK_WINDOW_STEP;
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(window, L4_DISK_BUF_ORDER, 0);
	struct l4_result r = l4_call(d->ep, l4_tag(L4_DISK_ATTACH, 0, 0), L4_DISK_REPLY_US);
	u->br[L4_BR_MEM_WINDOW] = 0;
	unsigned words = l4_tag_words(r.tag);
	if (r.error || l4_tag_label(r.tag) || l4_tag_items(r.tag) != 1 || words < 1 ||
	    u->mr[0] < (l4_word_t)d->max * SECTOR || !u->mr[words]) {
		d->error = r.error ? r.error : l4_tag_label(r.tag) ? l4_tag_label(r.tag) : L4_EMSG;
		return;
	}
	d->buf = (unsigned char *)window;
}

static struct disk *disk_for(const char *endpoint)
{
	for (unsigned i = 0; i < disk_count; i++)
		if (str_eq(disks[i].endpoint, endpoint))
			return &disks[i];
	struct disk *d = &disks[disk_count];
	d->endpoint = endpoint;
	disk_attach(d, disk_count++);
	if (d->error)
		l4_printf("disk driver \"%s\": %s (error %lu)\n", endpoint, error_text(d->error),
			  (unsigned long)d->error);
	return d;
}

/* ---- volumes */

static void volume_setup(struct volume *v, const struct blk_volume_cfg *c)
{
	v->cfg = c;
	v->error = L4_ENODEV;
	if (c->kind == BLK_DISK) {
		v->disk = disk_for(c->source);
		if (v->disk->error) {
			l4_printf("volume %s: offline: its driver \"%s\" cannot be used\n", c->name, c->source);
			return;
		}
		v->first = c->slice ? c->first : 0;
		v->sectors = c->slice ? c->count : v->disk->sectors;
		if (v->first >= v->disk->sectors || v->sectors > v->disk->sectors - v->first) {
			l4_printf("volume %s: offline: sectors %lu+%lu are not all on the disk (%lu sectors)\n",
				  c->name, (unsigned long)v->first, (unsigned long)v->sectors,
				  (unsigned long)v->disk->sectors);
			return;
		}
		v->error = L4_OK;
		l4_printf("volume %s: disk \"%s\" (%s), sectors %lu-%lu: %lu sectors (%lu KiB)\n", c->name,
			  c->source, v->disk->model, (unsigned long)v->first,
			  (unsigned long)(v->first + v->sectors - 1), (unsigned long)v->sectors,
			  (unsigned long)(v->sectors / 2));
		return;
	}
	const struct l4_env_module *m = NULL;
	for (unsigned i = 0; i < l4_env->module_count; i++)
		if (str_eq(l4_env->modules[i].name, c->source))
			m = &l4_env->modules[i];
	if (!m || !m->size) {
		l4_printf("volume %s: offline: no data module \"%s\" (`module %s FILE`)\n", c->name, c->source,
			  c->source);
		return;
	}
	v->sectors = (m->size + SECTOR - 1) / SECTOR;
	v->ram = malloc(v->sectors * SECTOR);
	if (!v->ram) {
		l4_printf("volume %s: offline: no memory for %lu KiB (`use mem` and a `memory` that holds it)\n",
			  c->name, (unsigned long)(v->sectors / 2));
		return;
	}
	const unsigned char *src = (const unsigned char *)m->addr;
	for (l4_word_t i = 0; i < v->sectors * SECTOR; i++)
		v->ram[i] = i < m->size ? src[i] : 0;
	v->error = L4_OK;
	l4_printf("volume %s: RAM disk from module \"%s\": %lu sectors (%lu KiB)\n", c->name, c->source,
		  (unsigned long)v->sectors, (unsigned long)(v->sectors / 2));
}

/* L4_OK if the volume can be used, else L4_ENODEV: it never came online,
 * or its driver has ended since. */
static l4_word_t volume_state(const struct volume *v)
{
	return v->error ? v->error : v->disk && v->disk->error ? L4_ENODEV : L4_OK;
}

/* Reads or writes count sectors of a disk volume from `sector`, through
 * the driver's buffer in pieces it takes. */
static l4_word_t disk_io(struct volume *v, uint64_t sector, uint64_t count, unsigned char *buf, bool write)
{
	struct disk *d = v->disk;
	struct l4_utcb *u = l4_utcb();
	l4_word_t err = driver_sync(d);

	for (uint64_t done = 0; !err && done < count;) {
		uint64_t n = count - done < d->max ? count - done : d->max;
		if (write)
			__builtin_memcpy(d->buf, buf + done * SECTOR, n * SECTOR);
		u->mr[0] = v->first + sector + done;
		u->mr[1] = n;
		err = driver_call(d, write ? L4_DISK_WRITE : L4_DISK_READ, 2, L4_DISK_REPLY_US);
		if (!err && !write)
			__builtin_memcpy(buf + done * SECTOR, d->buf, n * SECTOR);
		done += n;
	}
	return err;
}

static l4_word_t volume_io(struct volume *v, uint64_t sector, uint64_t count, unsigned char *buf, bool write)
{
	if (v->cfg->kind == BLK_DISK)
		return disk_io(v, sector, count, buf, write);
	if (write)
		__builtin_memcpy(v->ram + sector * SECTOR, buf, count * SECTOR);
	else
		__builtin_memcpy(buf, v->ram + sector * SECTOR, count * SECTOR);
	return L4_OK;
}

static l4_word_t volume_flush(struct volume *v)
{
	if (v->cfg->kind != BLK_DISK)
		return L4_OK;                              /* RAM: nothing is cached */
	l4_word_t err = driver_sync(v->disk);
	return err ? err : driver_call(v->disk, L4_DISK_FLUSH, 0, L4_DISK_REPLY_US);
}

/* ---- clients */

static struct client *client_of(l4_word_t badge)
{
	for (unsigned i = 0; badge && i < config.grant_count; i++)
		if (clients[i].badge == badge)
			return &clients[i];
	return NULL;
}

static void clients_setup(void)
{
	for (unsigned i = 0; i < config.grant_count; i++) {
		struct client *c = &clients[i];
		char list[L4_BLK_MAX_VOLUMES * (BLK_NAME_MAX + 4) + 1];
		unsigned at = 0;
		c->grant = &config.grants[i];
		c->buf = buffers[i];
		for (unsigned k = 0; k < l4_env->program_count; k++)
			if (str_eq(l4_env->programs[k].name, c->grant->program))
				c->badge = k + 1;
		for (unsigned k = 0; k < config.volume_count; k++)
			if (c->grant->volumes & (1u << k))
				at += (unsigned)l4_snprintf(list + at, sizeof(list) - at, " %s%s", config.volumes[k].name,
							    c->grant->read_only & (1u << k) ? ":ro" : "");
		if (c->badge)
			l4_printf("client %s (program %lu):%s\n", c->grant->program, (unsigned long)c->badge, list);
		else
			l4_printf("grant to %s ignored: no program of that name in the configuration\n",
				  c->grant->program);
	}
}

/* ---- requests */

/* A request, copied out of the message registers before anything else. */
struct request {
	l4_word_t label, badge;
	unsigned words, items;
	l4_word_t mr[4];
};

/* The reply: error (the label), words in mr[], and the buffer's map item
 * (ATTACH). */
struct answer {
	l4_word_t error;
	unsigned words;
	l4_word_t mr[4];
	unsigned char *map;
};

static void volume_info(const struct volume *v, const struct client *c, l4_word_t handle, l4_word_t *mr)
{
	mr[0] = v->sectors;
	mr[1] = SECTOR;
	mr[2] = c->grant->read_only & (1u << handle) ? L4_BLK_READ_ONLY : 0;
}

static void handle(const struct request *q, struct answer *a)
{
	static const unsigned min_words[] = {
		[L4_BLK_ATTACH] = 0, [L4_BLK_OPEN] = 2, [L4_BLK_INFO] = 1,
		[L4_BLK_READ] = 4, [L4_BLK_WRITE] = 4, [L4_BLK_FLUSH] = 1,
	};
	struct client *c = client_of(q->badge);
	const struct blk_grant_cfg *g = c ? c->grant : NULL;
	char name[BLK_NAME_MAX + 1];

	a->error = L4_OK;
	a->words = 0;
	a->map = NULL;
	if (q->label == L4_SERVER_CLIENT_GONE) {
		struct client *gone = q->words >= 1 ? client_of(q->mr[0]) : NULL;
		if (q->badge) {
			a->error = L4_ERIGHTS;             /* only the root task says who ended */
		} else if (gone) {
			gone->attached = false;
			__builtin_memset(gone->buf, 0, L4_BLK_BUF_SIZE);
			l4_printf("client %s gone\n", gone->grant->program);
		}
		return;
	}
	if (q->label < L4_BLK_ATTACH || q->label > L4_BLK_FLUSH) {
		a->error = L4_ENOSYS;
		return;
	}
	if (q->items || q->words < min_words[q->label]) {
		a->error = L4_EMSG;
		return;
	}
	if (!c) {
		a->error = L4_ERIGHTS;
		return;
	}
	l4_word_t handle = q->mr[0];
	bool write = q->label == L4_BLK_WRITE;
	switch (q->label) {
	case L4_BLK_ATTACH:
		c->attached = true;
		a->mr[0] = L4_BLK_BUF_SIZE;
		a->words = 1;
		a->map = c->buf;
		return;
	case L4_BLK_OPEN: {
		int i;
		if (!blk_name_from_words(q->mr, name))
			a->error = L4_EINVAL;
		else if ((i = blk_volume_find(&config, name)) < 0)
			a->error = L4_ENOENT;
		else if ((a->error = blk_check_access(g, config.volume_count, (l4_word_t)i, false)))
			;
		else if ((a->error = volume_state(&volumes[i])))
			;
		else {
			a->mr[0] = (l4_word_t)i;
			volume_info(&volumes[i], c, (l4_word_t)i, &a->mr[1]);
			a->words = 4;
		}
		return;
	}
	default:
		break;
	}
	if ((a->error = blk_check_access(g, config.volume_count, handle, write)))
		return;
	struct volume *v = &volumes[handle];
	if ((a->error = volume_state(v)))
		return;
	if (q->label == L4_BLK_READ || write) {
		l4_word_t sector = q->mr[1], count = q->mr[2], offset = q->mr[3];
		if ((a->error = blk_check_io(v->sectors, c->attached ? L4_BLK_BUF_SIZE : 0, sector, count, offset)))
			return;
		a->error = volume_io(v, sector, count, c->buf + offset, write);
		return;
	}
	if (q->label == L4_BLK_INFO) {
		volume_info(v, c, handle, a->mr);
		a->words = 3;
	} else {
		a->error = volume_flush(v);
	}
}

int main(int argc, char **argv)
{
	l4_cap_t ep = l4_env_served();   /* (`serve`) */

	if (ep == L4_CAP_NONE) {
		l4_printf("needs an endpoint to serve (`serve blk`)\n");
		return 1;
	}
	if (!blk_config_parse(&config, argc > 0 ? (unsigned)argc - 1 : 0, (const char *const *)argv + 1)) {
		l4_printf("bad arguments: %s; serving no volumes\n", config.error);
		config.volume_count = config.grant_count = 0;
	}
	for (unsigned i = 0; i < config.volume_count; i++)
		volume_setup(&volumes[i], &config.volumes[i]);
	clients_setup();
	unsigned online = 0;
	for (unsigned i = 0; i < config.volume_count; i++)
		online += !volumes[i].error;
	l4_printf("serving %u of %u volumes to %u clients\n", online, config.volume_count, config.grant_count);

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
		for (unsigned i = 0; i < 4; i++)
			q.mr[i] = i < q.words ? u->mr[i] : 0;
		struct answer a;
		handle(&q, &a);
		l4_word_t tag;
		if (a.error) {
			tag = l4_tag(a.error, 0, 0);
		} else {
			for (unsigned i = 0; i < a.words; i++)
				u->mr[i] = a.mr[i];
			if (a.map)
				l4_item_map(&u->mr[a.words], 0,
					    l4_fpage_mem((l4_word_t)a.map, L4_BLK_BUF_ORDER, L4_FP_RW));
			tag = l4_tag(L4_OK, a.words, a.map ? 1 : 0);
		}
		r = l4_reply_wait(ep, tag, L4_TIMEOUT_NEVER);
	}
}
