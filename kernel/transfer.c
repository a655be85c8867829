/* SPDX-License-Identifier: GPL-2.0-only */
#include "transfer.h"
#include <l4/errno.h>
#include "fault.h"
#include "map.h"
#include "string.h"
#include "task.h"
#include "thread.h"

/*
 * A capability flexpage goes to the receiver's capability window (BR1),
 * whose size bounds it. The sender's endpoint capability must carry
 * L4_CAP_RIGHT_GRANT for a message with items at all (do_send checks).
 */
static int transfer_caps(struct task *from, struct task *to, uint64_t item0, uint64_t fp,
			 uint64_t window)
{
	if (!window || l4_fpage_space(window) != L4_FP_CAP ||
	    l4_fpage_order(fp) > l4_fpage_order(window))
		return L4_EMSG;
	return cap_transfer(&from->caps, fp, (item0 & 0xf) == L4_ITEM_GRANT, &to->caps,
			    l4_fpage_base(window));
}

int transfer_message(struct thread *sender, struct thread *receiver, uint64_t tag,
		     uint64_t *rtag)
{
	if (sender->fault.kind) {
		*rtag = fault_message(sender, receiver);
		return L4_OK;
	}
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag);
	const uint64_t *smr = sender->utcb->mr;
	uint64_t *rmr = receiver->utcb->mr;
	int err = L4_OK;

	memcpy(rmr, smr, (words + 2 * items) * sizeof(uint64_t));
	for (unsigned i = 0; i < items; i++) {
		uint64_t *item = &rmr[words + 2 * i];
		unsigned type = item[0] & 0xf;
		int e = L4_EMSG;
		if (type != L4_ITEM_MAP && type != L4_ITEM_GRANT)
			e = L4_EMSG;
		else if (l4_fpage_space(item[1]) == L4_FP_CAP)
			e = transfer_caps(sender->task, receiver->task, item[0], item[1],
					  receiver->utcb->br[L4_BR_CAP_WINDOW]);
		else if (l4_fpage_space(item[1]) == L4_FP_MEM)
			e = map_item(sender->task, item, receiver->task,
				     receiver->utcb->br[L4_BR_MEM_WINDOW], false);
		else if (l4_fpage_space(item[1]) == L4_FP_IO)
			e = map_item(sender->task, item, receiver->task,
				     receiver->utcb->br[L4_BR_IO_WINDOW], false);
		if (e) {
			item[0] = 0;    /* the receiver sees an empty item */
			item[1] = 0;
			err = e;
		}
	}
	*rtag = tag;
	return err;
}
